"""Finding a sub-district by code or name, the same way for one shop and for an import."""

import pytest

from ecolife.errors import NotFound, ValidationFailed
from ecolife.services import areas

HEADER = "code,parent_code,name_th,name_en,lat,lon\n"
# Another province with a sub-district named as one of Lamphun's (names repeat in Thailand).
PHAYAO = HEADER + "56,,พะเยา,Phayao,,\n5601,56,เมืองพะเยา,Mueang Phayao,,\n560199,5601,ลี้,Li,,\n"


@pytest.fixture
def finders(ctx):
    areas.import_areas(PHAYAO)
    return (areas.resolve_tambon, areas.tambon_finder())


@pytest.mark.parametrize("which", [0, 1])
def test_codes_and_names_in_either_language_find_the_sub_district(finders, which):
    find = finders[which]
    assert find("510402").code == find("แม่ตืน").code == find(" MAE TUEN ").code == "510402"


@pytest.mark.parametrize("which", [0, 1])
def test_a_name_used_twice_needs_the_district(finders, which):
    find = finders[which]
    with pytest.raises(ValidationFailed) as refused:
        find("ลี้")
    assert refused.value.errors == {"tambon_code": [areas.AMBIGUOUS_TAMBON]}
    assert find("ลี้", "5104").code == "510401"
    assert find("Li", "5601").code == "560199"


@pytest.mark.parametrize("which", [0, 1])
def test_a_sub_district_outside_the_district_given_is_refused(finders, which):
    find = finders[which]
    for value in ("510402", "แม่ตืน"):
        with pytest.raises(ValidationFailed) as refused:
            find(value, "5101")
        assert refused.value.errors == {"tambon_code": [areas.TAMBON_NOT_IN_DISTRICT]}


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("value", ["5104", "51", "atlantis", ""])
def test_districts_provinces_and_unknown_names_are_not_sub_districts(finders, which, value):
    with pytest.raises(ValidationFailed) as refused:
        finders[which](value)
    assert refused.value.errors == {"tambon_code": [areas.UNKNOWN_TAMBON]}


def test_listing_areas(ctx):
    assert [a.code for a in areas.list_areas()] == ["51"]
    assert len(areas.list_areas("51")) == 8
    with pytest.raises(NotFound):
        areas.list_areas("99")
    groups = areas.tambons_by_district()
    assert [district.code for district, _ in groups] == [f"510{n}" for n in range(1, 9)]
    assert sum(len(tambons) for _, tambons in groups) == 51
