/*
 * tlp.c — the TLP 2.0 table (see tlp.h).
 *
 * The STIX ids are the published ones, not derived: a consumer recognises
 * a marking by its id alone (STIX 2.1 §7.2.1.4 for TLP 1.0; the OASIS TLP
 * 2.0 extension's schema pins each id to its name).  The MISP colours are
 * those of the MISP "tlp" taxonomy.
 */
#include "event/tlp.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *name, *stix_id, *stix_value, *misp_tag, *misp_colour;
} levels[] = {
    [TLP_CLEAR] = {"CLEAR", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear",
                   "tlp:clear", "#ffffff"},
    [TLP_GREEN] = {"GREEN", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green",
                   "tlp:green", "#339900"},
    [TLP_AMBER] = {"AMBER", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber",
                   "tlp:amber", "#FFC000"},
    [TLP_AMBER_STRICT] = {"AMBER+STRICT",
                          "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
                          "amber+strict", "tlp:amber+strict", "#FFC000"},
    [TLP_RED] = {"RED", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red",
                 "tlp:red", "#CC0033"},
};

/* STIX 2.1 §7.2.1.4: the TLP 1.0 marking-definitions every producer may
 * reference without including them. */
static const struct {
    const char *id;
    enum tlp_level level;
} stix_tlp1[] = {
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", TLP_CLEAR}, /* white */
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", TLP_GREEN},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", TLP_RED},
};

static int valid(enum tlp_level t)
{
    return t >= TLP_CLEAR && t <= TLP_RED;
}

enum tlp_level tlp_parse(const char *s, size_t n)
{
    if (n >= 4 && strncasecmp(s, "tlp:", 4) == 0)
        s += 4, n -= 4;
    if (n == 5 && strncasecmp(s, "white", 5) == 0)
        return TLP_CLEAR;
    for (int k = TLP_CLEAR; k <= TLP_RED; k++)
        if (strlen(levels[k].name) == n && strncasecmp(s, levels[k].name, n) == 0)
            return (enum tlp_level)k;
    return TLP_NONE;
}

const char *tlp_name(enum tlp_level t)
{
    return valid(t) ? levels[t].name : NULL;
}

enum tlp_level tlp_stricter(enum tlp_level a, enum tlp_level b)
{
    if (!valid(a))
        return b;
    if (!valid(b))
        return a;
    return a > b ? a : b;
}

const char *tlp_stix_marking_id(enum tlp_level t)
{
    return valid(t) ? levels[t].stix_id : NULL;
}

enum tlp_level tlp_from_stix_marking_id(const char *id)
{
    for (int k = TLP_CLEAR; k <= TLP_RED; k++)
        if (strcmp(id, levels[k].stix_id) == 0)
            return (enum tlp_level)k;
    for (size_t k = 0; k < sizeof stix_tlp1 / sizeof stix_tlp1[0]; k++)
        if (strcmp(id, stix_tlp1[k].id) == 0)
            return stix_tlp1[k].level;
    return TLP_NONE;
}

const char *tlp_stix_value(enum tlp_level t)
{
    return valid(t) ? levels[t].stix_value : NULL;
}

const char *tlp_misp_tag(enum tlp_level t)
{
    return valid(t) ? levels[t].misp_tag : NULL;
}

const char *tlp_misp_colour(enum tlp_level t)
{
    return valid(t) ? levels[t].misp_colour : NULL;
}
