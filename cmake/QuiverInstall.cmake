# make install: headers, libquiver.so.0, a CMake package (find_package(Quiver)
# -> Quiver::quiver) and quiver.pc for pkg-config.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Installed binaries find libquiver beside or above them with no environment
# variable: an install RPATH relative to the binary ($ORIGIN), so a prefix
# can be moved (or installed with --prefix) and still run. Programs the user
# links against the installed library need ldconfig or an rpath of their own
# (README, "Installing").
file(RELATIVE_PATH QV_BIN_TO_LIB "${CMAKE_INSTALL_FULL_BINDIR}" "${CMAKE_INSTALL_FULL_LIBDIR}")
set_target_properties(quiver PROPERTIES INSTALL_RPATH "$ORIGIN")
if(TARGET quiver_cli)
  set_target_properties(quiver_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${QV_BIN_TO_LIB}")
endif()

install(TARGETS quiver EXPORT QuiverTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/quiver DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT QuiverTargets NAMESPACE Quiver::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Quiver)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/QuiverConfig.cmake.in
  ${PROJECT_BINARY_DIR}/QuiverConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Quiver)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/QuiverConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/QuiverConfig.cmake
              ${PROJECT_BINARY_DIR}/QuiverConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Quiver)

# Relocatable: the prefix is found from the .pc file's own location, so an
# install moved elsewhere (or made with cmake --install --prefix) still works.
file(RELATIVE_PATH QV_PC_PREFIX_REL "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" QV_PC_PREFIX_REL "${QV_PC_PREFIX_REL}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/quiver.pc.in ${PROJECT_BINARY_DIR}/quiver.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/quiver.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
