#!/bin/sh
# Asks for a name, a hidden password and a confirmation, like an installer.
printf 'Name: '
read -r name
old=$(stty -g)
stty -echo # before the prompt: an answer sent at once is never echoed
printf 'Password: '
# A closed terminal while waiting here ends the program by SIGHUP, never by
# reading end of input, so a timed-out run always ends the same way.
read -r pw || exec sleep 30
stty "$old"
printf '\nConfirm %s [y/N]? ' "$name"
read -r ok
if [ "$ok" = y ]; then
	echo "hello $name, your password has ${#pw} characters"
	exit 0
fi
echo aborted
exit 3
