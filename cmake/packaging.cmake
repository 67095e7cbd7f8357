# Installing carta (cmake --install) and its Debian package (CPack's DEB generator;
# scripts/package.sh). The installed tree is relocatable: carta finds its renderer module from
# its own location (/proc/self/exe), CARTA_INSTALL_MODULEDIR relative to CARTA_INSTALL_BINDIR.
#
#   bin/carta
#   lib/carta/libcarta_render.so                     the figure renderer (PNG, PDF)
#   share/man/man1/carta.1.gz, carta-COMMAND.1.gz    generated from the --help texts
#   share/bash-completion/completions/carta          generated from the same
#   share/zsh/vendor-completions/_carta
#   share/doc/carta/                                 README, CHANGELOG, the bundled example

set(CARTA_INSTALL_BINDIR bin CACHE STRING "executable folder, relative to the prefix")
set(CARTA_INSTALL_MODULEDIR lib/carta CACHE STRING "renderer module folder, relative to the prefix")

# The module's folder as the executable sees it (../lib/carta by default).
file(RELATIVE_PATH carta_module_from_bin /prefix/${CARTA_INSTALL_BINDIR} /prefix/${CARTA_INSTALL_MODULEDIR})
set_property(SOURCE ${PROJECT_SOURCE_DIR}/src/plot/render.cpp DIRECTORY ${PROJECT_SOURCE_DIR}/src APPEND PROPERTY
             COMPILE_DEFINITIONS CARTA_MODULE_DIR_FROM_BIN="${carta_module_from_bin}")

# Man pages and completions, written after carta links, from its --help texts.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(carta_cli_docs ${CMAKE_BINARY_DIR}/cli-docs)
add_custom_command(
  OUTPUT ${carta_cli_docs}/stamp
  # (In the sanitizer build, a leak report at exit must not fail the build; the tests check leaks.)
  COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
          ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/gen_cli_docs.py $<TARGET_FILE:carta>
          --version-file ${PROJECT_SOURCE_DIR}/VERSION --man-dir ${carta_cli_docs}/man1
          --bash ${carta_cli_docs}/bash/carta --zsh ${carta_cli_docs}/zsh/_carta
  COMMAND ${CMAKE_COMMAND} -E touch ${carta_cli_docs}/stamp
  DEPENDS carta ${PROJECT_SOURCE_DIR}/scripts/gen_cli_docs.py ${PROJECT_SOURCE_DIR}/VERSION
  COMMENT "Generating carta's man pages and bash/zsh completions from its --help texts"
  VERBATIM)
add_custom_target(carta_cli_docs ALL DEPENDS ${carta_cli_docs}/stamp)

install(TARGETS carta RUNTIME DESTINATION ${CARTA_INSTALL_BINDIR})
install(TARGETS carta_render LIBRARY DESTINATION ${CARTA_INSTALL_MODULEDIR})
install(DIRECTORY ${carta_cli_docs}/man1 DESTINATION share/man FILES_MATCHING PATTERN "*.1.gz")
install(FILES ${carta_cli_docs}/bash/carta DESTINATION share/bash-completion/completions)
install(FILES ${carta_cli_docs}/zsh/_carta DESTINATION share/zsh/vendor-completions)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md DESTINATION share/doc/carta)
# Every example folder: the --help examples run from share/doc/carta (cd there, or copy examples/).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples DESTINATION share/doc/carta)

# The Debian package: carta_VERSION_ARCH.deb, dependencies from dpkg-shlibdeps (dpkg-dev).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME carta)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "carta pools proportions from single-arm trials with common and random effects, giving the same numbers as R's metafor; it runs whole reviews from an analysis spec into an HTML report with figures, deduplicates search exports, screens records with a team (carta serve), draws PRISMA and risk-of-bias figures, and pools survival.")
set(CPACK_PACKAGE_CONTACT "carta maintainers <maintainers@users.noreply.h-seed-1b61e61f.example>"
    CACHE STRING "Maintainer of the Debian package")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps also reads the module's libraries (cairo, pango, libpng); the fonts the figures
# are drawn with are data, not a linked library, so they are named here.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-dejavu-core")
# LAPACK comes through shlibdeps (liblapack3 | liblapack.so.3); OpenBLAS makes it fast.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-pthread")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
include(CPack)
