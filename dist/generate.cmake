# generate.cmake — a program's bash and zsh completions and man page, made
# from the built program itself (`PROG __generate bash|zsh|man` walks its
# command definition; help2man reads --help and --version). Inputs: PROG
# (the binary), NAME, DESCRIPTION, OUT (output directory), HELP2MAN, EXTRA
# (a help2man include shared by every page).
#
# Defaults that --help prints are spelled as the variables they come from,
# not as this build machine's paths.
set(ENV{XDG_RUNTIME_DIR} "\$XDG_RUNTIME_DIR")
set(ENV{XDG_STATE_HOME} "\$XDG_STATE_HOME")
unset(ENV{ROSTER_SOCKET})
unset(ENV{COLUMNS})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed (${rc}): ${err}")
  endif()
endfunction()
file(MAKE_DIRECTORY "${OUT}/bash" "${OUT}/zsh" "${OUT}/man")
run("${PROG}" __generate bash OUTPUT_FILE "${OUT}/bash/${NAME}")
run("${PROG}" __generate zsh OUTPUT_FILE "${OUT}/zsh/_${NAME}")
run("${PROG}" __generate man OUTPUT_FILE "${OUT}/man/${NAME}.h2m")
set(own)
file(SIZE "${OUT}/man/${NAME}.h2m" size)
if(size GREATER 0)  # help2man refuses an empty include
  set(own "--include=${OUT}/man/${NAME}.h2m")
endif()
run("${HELP2MAN}" --no-info "--name=${DESCRIPTION}" ${own} "--include=${EXTRA}"
    "--output=${OUT}/man/${NAME}.1" "${PROG}")
