# QV_SANITIZE=address,undefined or QV_SANITIZE=thread instruments everything
# we build (library, tests, tools) so the same test suite runs under it.
if(QV_SANITIZE)
  set(_qv_san_flags -fsanitize=${QV_SANITIZE} -fno-omit-frame-pointer -g)
  if(QV_SANITIZE MATCHES "undefined")
    list(APPEND _qv_san_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${_qv_san_flags})
  add_link_options(-fsanitize=${QV_SANITIZE})
  message(STATUS "Quiver: building with -fsanitize=${QV_SANITIZE}")
endif()
