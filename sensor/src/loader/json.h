/* JSON string output for the stderr replies: everything the sensor echoes back (tokens from the
 * control protocol, error messages) may hold quotes, backslashes or control characters. */
#ifndef SAKER_JSON_H
#define SAKER_JSON_H

#include <stdio.h>

/* Writes `s` as a JSON string literal, quotes included: `"` and `\` escaped, control characters
 * and bytes that are not valid UTF-8 as \u00XX (so the line stays valid JSON whatever it held). */
void json_put_string(FILE *f, const char *s);

#endif
