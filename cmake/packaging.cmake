# Install rules and the Debian package (CPack DEB). The layout is Debian's, prefix /usr:
#   /usr/bin/sapa
#   /usr/share/sapa/dialogs/*.json            the bundled dialog scripts
#   /usr/share/sapa/console/console.css       the staff console's stylesheet
#   /usr/share/sapa/console/console.js        the staff console's script (script upload)
#   /etc/sapa/sapa.json                       the service config (a conffile: edits survive upgrades)
#   /usr/lib/systemd/system/sapa.service      the hardened unit
#   /usr/share/doc/sapa/                      README.md, docs/*.md, env.example
# Build the package from a build tree with
#   cpack --config BUILD/CPackConfig.cmake -G DEB -B BUILD/package
# (scripts/package-test.sh does, then installs and tries it; README.md, "Operations").
include(GNUInstallDirs)

install(TARGETS sapa RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/dialogs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/sapa/dialogs
        FILES_MATCHING PATTERN "*.json")
# The unit and the config name /usr/bin/sapa, /usr/share/sapa/dialogs and /var/lib/sapa: they
# belong to the package's /usr layout, so the config goes to /etc whatever the prefix.
# The staff console's stylesheet and script (also built into sapa), for a proxy that serves
# /console/static.
install(FILES ${PROJECT_SOURCE_DIR}/src/console/assets/console.css
              ${PROJECT_SOURCE_DIR}/src/console/assets/console.js
        DESTINATION ${CMAKE_INSTALL_DATADIR}/sapa/console)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/sapa.json DESTINATION /etc/sapa)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/sapa.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/packaging/env.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
        FILES_MATCHING PATTERN "*.md")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sapa)
set(CPACK_PACKAGE_VENDOR "Sapa")
set(CPACK_PACKAGE_CONTACT "Sapa maintainers <sapa@localhost>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SMS and WhatsApp outreach chatbot backend")
set(CPACK_PACKAGE_DESCRIPTION
    "Sapa answers residents who write to a number by SMS or WhatsApp (Twilio, Meta's WhatsApp
Cloud API or a generic JSON webhook) from dialog scripts: menus, questions, information and
sign-ups kept in an SQLite database. The package has the sapa command, the bundled dialogs,
a configuration in /etc/sapa and a hardened systemd unit, sapa.service.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # sapa_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries the binary links, as Debian package names (dpkg-shlibdeps), plus the
# certificates for HTTPS to the gateways.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/conffiles ${PROJECT_SOURCE_DIR}/packaging/postinst
    ${PROJECT_SOURCE_DIR}/packaging/prerm ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
