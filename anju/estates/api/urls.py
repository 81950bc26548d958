from rest_framework.routers import SimpleRouter

from anju.estates.api import views

router = SimpleRouter()
router.register("estates/projects", views.ProjectViewSet, basename="estates-project")
router.register("estates/project-shares", views.ProjectShareViewSet, basename="estates-share")
router.register("estates/teams", views.ProjectTeamViewSet, basename="estates-team")
router.register("estates/team-members", views.TeamMemberViewSet, basename="estates-team-member")
router.register("estates/decoration-standards", views.DecorationStandardViewSet, basename="estates-decostd")
router.register("estates/unit-types", views.UnitTypeViewSet, basename="estates-unittype")
router.register("estates/zones", views.ZoneViewSet, basename="estates-zone")
router.register("estates/buildings", views.BuildingViewSet, basename="estates-building")
router.register("estates/rooms", views.RoomViewSet, basename="estates-room")
router.register("estates/room-imports", views.RoomImportViewSet, basename="estates-room-import")

urlpatterns = router.urls
