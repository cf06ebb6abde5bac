# cmake -DMCS=... -DOUT=dir -DGEN=swig-output -DSOURCES=... -DTESTS=... -P mcs.cmake
# Quiver.dll = the SWIG-generated classes (globbed: their names depend on
# quiver.i) + the hand-written binding; QuiverTests.exe references it.
file(GLOB _gen "${GEN}/*.cs")
execute_process(
  COMMAND "${MCS}" -nologo -target:library -optimize+ -nowarn:1591
          "-out:${OUT}/Quiver.dll" ${_gen} ${SOURCES}
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "mcs failed building Quiver.dll (${_rc})")
endif()
execute_process(
  COMMAND "${MCS}" -nologo -target:exe -optimize+ "-r:${OUT}/Quiver.dll"
          "-out:${OUT}/QuiverTests.exe" ${TESTS}
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "mcs failed building QuiverTests.exe (${_rc})")
endif()
