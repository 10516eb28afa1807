# install_units.cmake — runs at install time (install(SCRIPT)), when the
# prefix is known: CMAKE_INSTALL_PREFIX is the one given to `cmake --install
# --prefix`, so the unit's ExecStart names the installed rosterd. Inputs (set
# by dist/CMakeLists.txt): ROSTER_UNIT_SRC, ROSTER_UNIT_OUT, ROSTER_BINDIR,
# ROSTER_UNITDIR (relative to the prefix, or absolute).
foreach(var ROSTER_BINDIR ROSTER_UNITDIR)
  if(IS_ABSOLUTE "${${var}}")
    set(${var}_FULL "${${var}}")
  else()
    set(${var}_FULL "${CMAKE_INSTALL_PREFIX}/${${var}}")
  endif()
endforeach()
set(ROSTER_BINDIR "${ROSTER_BINDIR_FULL}")
configure_file("${ROSTER_UNIT_SRC}/rosterd.service.in" "${ROSTER_UNIT_OUT}/rosterd.service" @ONLY)
file(INSTALL "${ROSTER_UNIT_OUT}/rosterd.service" "${ROSTER_UNIT_SRC}/rosterd.socket"
     DESTINATION "${ROSTER_UNITDIR_FULL}")
