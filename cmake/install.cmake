# install.cmake - what `cmake --install` puts where (GNUInstallDirs; docs/install.md):
#   bin/xbar                          the program (libxbar linked in statically)
#   lib/libxbar.so.0.1.0, .so.0, .so  the shared library (soname libxbar.so.0)
#   lib/libxbar.a                     the static library (complete: xbar_util's objects too)
#   include/xbar.h                    the public API, its manual
#   lib/pkgconfig/xbar.pc             pkg-config: -lxbar; --static adds what libxbar.a needs
#   lib/cmake/xbar/                   find_package(xbar): xbar::xbar (shared), xbar::static
#   share/man/man1/xbar.1             the manual page (`xbar help --man`)
# (lib is CMAKE_INSTALL_LIBDIR: lib/x86_64-linux-gnu for the prefix /usr on Debian.)
#
# Run paths: the build tree keeps CMake's RPATH (it points at the OpenMP OpenBLAS, see
# CMakeLists.txt); installed binaries carry none (CMAKE_INSTALL_RPATH is left empty): the
# program does not load libxbar.so, and the library's dependencies are in the loader's
# default paths. They then load the libopenblas.so.0 the system selects (Debian:
# update-alternatives, docs/install.md).
#
# Both xbar.pc and xbarConfig.cmake are relocatable (paths relative to their own folder),
# so `cmake --install build --prefix DIR` may choose DIR at install time.
include(CMakePackageConfigHelpers)

set(XBAR_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/xbar)
set(XBAR_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# What a user of the archive links besides it, and what a user of a sanitized build
# (XBAR_SANITIZE, XBAR_FUZZ) links with: the sanitizer runtimes, which the library calls.
set(XBAR_PC_REQUIRES_PRIVATE "openblas zlib")
set(XBAR_PC_LIBS_PRIVATE "-lm")
set(XBAR_CONFIG_OPENMP "")
if(XBAR_OPENMP AND OpenMP_C_FOUND)
  set(XBAR_PC_LIBS_PRIVATE "${OpenMP_C_FLAGS} -lm")
  set(XBAR_CONFIG_OPENMP "find_dependency(OpenMP)")
endif()
set(XBAR_PC_LIBS_SAN "")
if(XBAR_SANITIZE OR XBAR_FUZZ)
  set(XBAR_PC_LIBS_SAN " -fsanitize=address,undefined")
  foreach(t xbar_static xbar_shared)
    target_link_options(${t} INTERFACE $<INSTALL_INTERFACE:-fsanitize=address,undefined>)
  endforeach()
endif()
target_link_libraries(xbar_static PUBLIC $<INSTALL_INTERFACE:xbar::openblas> $<INSTALL_INTERFACE:ZLIB::ZLIB>
                                         $<INSTALL_INTERFACE:m>)
if(XBAR_OPENMP AND OpenMP_C_FOUND)
  target_link_libraries(xbar_static PUBLIC $<INSTALL_INTERFACE:OpenMP::OpenMP_C>)
endif()

set_target_properties(xbar_shared PROPERTIES EXPORT_NAME xbar)
set_target_properties(xbar_static PROPERTIES EXPORT_NAME static)
install(TARGETS xbar_shared xbar_static EXPORT xbarTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS xbar RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/xbar.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_BINARY_DIR}/xbar.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# pkg-config: prefix relative to the .pc file's own folder (${pcfiledir})
file(RELATIVE_PATH XBAR_PC_UP /${XBAR_PC_DIR} /)
string(REGEX REPLACE "/$" "" XBAR_PC_UP "${XBAR_PC_UP}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/xbar.pc.in ${CMAKE_BINARY_DIR}/xbar.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/xbar.pc DESTINATION ${XBAR_PC_DIR})

# CMake package: the targets, the config that finds the archive's dependencies, the version
install(EXPORT xbarTargets NAMESPACE xbar:: DESTINATION ${XBAR_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/xbarConfig.cmake.in ${CMAKE_BINARY_DIR}/xbarConfig.cmake
                              INSTALL_DESTINATION ${XBAR_CMAKE_DIR})
# 0.x: the soname is libxbar.so.0, so any 0.y.z with y.z >= the one asked for is accepted
write_basic_package_version_file(${CMAKE_BINARY_DIR}/xbarConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/xbarConfig.cmake ${CMAKE_BINARY_DIR}/xbarConfigVersion.cmake
        DESTINATION ${XBAR_CMAKE_DIR})
