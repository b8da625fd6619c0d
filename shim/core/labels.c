/*
 * labels.c - FORKGUARD_METRICS_LABELS, the extra labels of every sample
 * in the metrics file: their syntax as Prometheus wants it, checked once
 * when the options are read (config.c), so that the file's writer only
 * copies them.
 */
#include <string.h>

#include "labels.h"

/* labels a sample already has, or that Prometheus keeps for itself */
static bool label_reserved(const char *name, size_t n)
{
	static const char *const taken[] = { "comm",  "pid",	 "pidns",
					     "call",  "verdict", "outcome",
					     "errno", "remedy",	 "result",
					     "le",    "cause",	 NULL };

	if (n >= 2 && name[0] == '_' && name[1] == '_')
		return true;
	for (const char *const *t = taken; *t; t++)
		if (strlen(*t) == n && !strncmp(*t, name, n))
			return true;
	return false;
}

bool fg_labels_parse(const char *v, char *dst, size_t len)
{
	const char *p = v;

	if (strlen(v) >= len)
		return false;
	while (*p) {
		const char *name = p;

		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == '_'))
			return false;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_')
			p++;
		if (*p != '=' || label_reserved(name, (size_t)(p - name)))
			return false;
		for (p++; *p && *p != ','; p++)
			if (*p == '"' || *p == '\\' ||
			    (unsigned char)*p < 0x20 || *p == 0x7f)
				return false;
		if (*p == ',' && !*++p)
			return false;
	}
	memcpy(dst, v, strlen(v) + 1);
	return true;
}
