from merkur.companies.models.company import Company, CompanyAddress, CompanyRole
from merkur.companies.models.master import (
    CompanyClass,
    Function,
    Industry,
    InterestArea,
    LegalForm,
    PersonCode,
    SalesRep,
    Salutation,
    Title,
)
from merkur.companies.models.person import Person

__all__ = [
    "Company",
    "CompanyAddress",
    "CompanyClass",
    "CompanyRole",
    "Function",
    "Industry",
    "InterestArea",
    "LegalForm",
    "Person",
    "PersonCode",
    "SalesRep",
    "Salutation",
    "Title",
]
