from django.urls import path

from merkur.core import views

urlpatterns = [path("login/", views.LoginView.as_view(), name="login")]
