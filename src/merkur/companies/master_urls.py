app_name = "master"
urlpatterns = []
