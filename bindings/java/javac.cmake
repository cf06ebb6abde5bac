# cmake -DJAVAC=... -DOUT=classes -DGEN=swig-output -DSOURCES=a.java;b.java -P javac.cmake
# Compiles the SWIG-generated classes (whose names depend on quiver.i, hence
# the glob at build time) with the hand-written binding and its tests.
file(GLOB _gen "${GEN}/*.java")
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
execute_process(
  COMMAND "${JAVAC}" -nowarn -encoding UTF-8 --release 17 -d "${OUT}" ${_gen} ${SOURCES}
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "javac failed (${_rc})")
endif()
