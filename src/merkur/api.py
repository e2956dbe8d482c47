from ninja import NinjaAPI

api = NinjaAPI(title="Merkur API", version="1")
