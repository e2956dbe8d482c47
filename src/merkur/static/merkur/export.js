// Export links follow the list's filter form as it is now (htmx changes it without a reload).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-export-form]");
  if (!link) return;
  const form = document.getElementById(link.dataset.exportForm);
  if (!form) return;
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (name !== "cursor" && name !== "format" && value !== "") params.append(name, value);
  }
  params.set("format", link.dataset.exportFormat);
  link.href = link.href.split("?")[0] + "?" + params.toString();
});
