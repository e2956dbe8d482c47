// The contact text editor: a contenteditable area with a small toolbar (bold,
// italic, lists, link). The HTML goes into the form's textarea, which the
// server sanitises; without JavaScript the textarea is used as plain text.
(function () {
  "use strict";

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  // Plain text (no tags) shown as paragraphs, as the server would store it.
  function toHtml(value) {
    if (!value || value.indexOf("<") !== -1) {
      return value || "";
    }
    return value.split(/\n\s*\n/).filter(function (part) {
      return part.trim() !== "";
    }).map(function (part) {
      return "<p>" + escapeHtml(part.trim()).replace(/\n/g, "<br>") + "</p>";
    }).join("");
  }

  function safeUrl(url) {
    return /^(https?:|mailto:|tel:)/i.test(url) ? url : (/^[\w.-]+\.[a-z]{2,}/i.test(url) ? "https://" + url : "");
  }

  function setUp(textarea) {
    var template = document.getElementById("richtext-toolbar");
    if (!template || textarea.dataset.richtextReady) {
      return;
    }
    textarea.dataset.richtextReady = "1";
    var toolbar = template.content.firstElementChild.cloneNode(true);
    var editor = document.createElement("div");
    editor.className = "form-control richtext-editor";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    editor.id = textarea.id + "_editor";
    var label = document.querySelector("label[for='" + textarea.id + "']");
    if (label) {
      label.setAttribute("for", editor.id);
      editor.setAttribute("aria-label", label.textContent.trim());
    }
    if (textarea.classList.contains("is-invalid")) {
      editor.classList.add("is-invalid");
    }
    editor.innerHTML = toHtml(textarea.value);
    textarea.hidden = true;
    textarea.parentNode.insertBefore(toolbar, textarea);
    textarea.parentNode.insertBefore(editor, textarea);

    var sync = function () {
      textarea.value = editor.textContent.trim() === "" && !editor.querySelector("li") ? "" : editor.innerHTML;
    };
    editor.addEventListener("input", sync);
    editor.addEventListener("focus", function () {
      document.execCommand("defaultParagraphSeparator", false, "p");
    });
    if (textarea.form) {
      textarea.form.addEventListener("submit", sync);
    }
    toolbar.addEventListener("mousedown", function (event) {
      // Keep the selection in the editor while a button is pressed.
      if (event.target.closest("button")) {
        event.preventDefault();
      }
    });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-command]");
      if (!button) {
        return;
      }
      event.preventDefault();
      editor.focus();
      var command = button.getAttribute("data-command");
      if (command === "createLink") {
        var url = safeUrl((window.prompt(button.getAttribute("data-prompt") || "URL", "https://") || "").trim());
        if (!url) {
          return;
        }
        document.execCommand("createLink", false, url);
      } else {
        document.execCommand(command, false, null);
      }
      sync();
    });
  }

  // Recurrence fields: show only those that belong to the chosen frequency.
  function recurrence(fieldset) {
    var select = fieldset.querySelector("select[name$='rec_frequency']");
    if (!select) {
      return;
    }
    var update = function () {
      fieldset.querySelectorAll("[data-show-for]").forEach(function (block) {
        var values = block.getAttribute("data-show-for").split(" ");
        block.hidden = values.indexOf(select.value) === -1;
      });
    };
    select.addEventListener("change", update);
    update();
  }

  function init() {
    document.querySelectorAll("textarea[data-richtext]").forEach(setUp);
    document.querySelectorAll("[data-recurrence]").forEach(recurrence);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
