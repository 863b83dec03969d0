/* Command lines: keys, bare flags, prefixes that are not the key, the ` -- ` tail. */
#include <string.h>
#include "hv/cmdline.h"
#include "check.h"

int main(void)
{
    char v[16];
    const char *mod = "vireo.domain name=x memory=16M vcpus=2 -- name=guest arg";

    CHECK(cmdline_first_word_is(mod, "vireo.domain"));
    CHECK(!cmdline_first_word_is("vireo.domainx a", "vireo.domain"));
    CHECK(cmdline_get(mod, "name", v, sizeof(v)) && !strcmp(v, "x"));
    CHECK(cmdline_get(mod, "memory", v, sizeof(v)) && !strcmp(v, "16M"));
    CHECK(!cmdline_get(mod, "arg", v, sizeof(v))); /* after --: the guest's, not ours */
    CHECK(!strcmp(cmdline_tail(mod), "name=guest arg"));
    CHECK(!strcmp(cmdline_tail("a=1"), ""));
    CHECK(!cmdline_get("namex=1", "name", v, sizeof(v)));
    CHECK(cmdline_get("  flag  other=2", "flag", v, sizeof(v)) && v[0] == '\0');
    CHECK(cmdline_get("console=verylongvaluehere", "console", v, 5) && !strcmp(v, "very"));
    CHECK(!cmdline_get("a--b=1 --x", "x", v, sizeof(v)));
    return check_done("cmdline");
}
