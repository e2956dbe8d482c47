from django.contrib.auth import views as auth_views
from django.shortcuts import render


class LoginView(auth_views.LoginView):
    pass


def home(request):
    return render(request, "core/home.html")
