/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small reader of grub.cfg: grub script's words (quotes, escapes, comments, `;`), its
 * brace blocks, and the few commands that say what to boot. Nothing is executed, so a
 * word holding a variable is only known to be "not plain text".
 */
#include "vbl_grub.h"

#include <string.h>

struct word {
    char *text;   /* unquoted; a variable stays as written ("${extra_cmdline}") */
    bool has_var; /* a $ outside single quotes: grub would expand it */
    bool quoted;  /* a quoted "{" is not a block */
};

enum block_kind { BLOCK_MENUENTRY, BLOCK_SUBMENU, BLOCK_OTHER };

struct entry {
    char *title, *id;
    char *kernel;    /* NULL: no linux command */
    bool kernel_var; /* the kernel path is not plain text */
    GString *cmdline;
    char *initrd;
};

struct parser {
    GArray *words;      /* of struct word: the statement being read */
    GArray *blocks;     /* of enum block_kind: the open braces */
    GPtrArray *entries; /* of struct entry: top-level menu entries, in order */
    struct entry *open; /* the top-level entry whose block is open */
    char *default_name; /* the last plain `set default=` */
};

static void word_clear(void *p)
{
    g_free(((struct word *)p)->text);
}

static void entry_free(void *p)
{
    struct entry *e = p;

    g_free(e->title);
    g_free(e->id);
    g_free(e->kernel);
    g_string_free(e->cmdline, true);
    g_free(e->initrd);
    g_free(e);
}

static const struct word *word_at(const struct parser *p, unsigned i)
{
    return i < p->words->len ? &g_array_index(p->words, struct word, i) : NULL;
}

static bool word_is(const struct word *w, const char *text)
{
    return w != NULL && !w->quoted && !w->has_var && strcmp(w->text, text) == 0;
}

static bool word_in(const struct word *w, const char *const *names)
{
    for (; *names != NULL; names++)
        if (word_is(w, *names))
            return true;
    return false;
}

/* menuentry's title is its first argument that is not an option; --class, --users and
 * --hotkey take a value, and so does --id, which Debian writes as $menuentry_id_option. */
static struct entry *entry_new(const struct parser *p)
{
    static const char *const with_value[] = {"--class", "--users", "--hotkey", NULL};
    struct entry *e = g_new0(struct entry, 1);

    e->cmdline = g_string_new(NULL);
    /* The last word is the "{". */
    for (unsigned i = 1; i + 1 < p->words->len; i++) {
        const struct word *w = word_at(p, i);

        if (word_is(w, "--id") || strcmp(w->text, "$menuentry_id_option") == 0) {
            g_free(e->id);
            e->id = g_strdup(word_at(p, ++i)->text);
        } else if (word_in(w, with_value)) {
            i++;
        } else if (e->title == NULL && !g_str_has_prefix(w->text, "--")) {
            e->title = g_strdup(w->text);
        }
    }
    if (e->title == NULL)
        e->title = g_strdup("");
    return e;
}

static void open_block(struct parser *p)
{
    const struct word *cmd = word_at(p, 0);
    bool in_submenu = false;
    enum block_kind kind = BLOCK_OTHER;

    for (unsigned i = 0; i < p->blocks->len; i++)
        in_submenu = in_submenu || g_array_index(p->blocks, enum block_kind, i) == BLOCK_SUBMENU;
    if (word_is(cmd, "submenu"))
        kind = BLOCK_SUBMENU;
    /* Entries inside submenus (Debian's "Advanced options") are not read: a plain default
     * cannot name them, and the top level always repeats the newest kernel. */
    if (word_is(cmd, "menuentry") && !in_submenu && p->open == NULL) {
        kind = BLOCK_MENUENTRY;
        p->open = entry_new(p);
        g_ptr_array_add(p->entries, p->open);
    }
    g_array_append_val(p->blocks, kind);
}

static void close_block(struct parser *p)
{
    enum block_kind kind;

    if (p->blocks->len == 0)
        return; /* an unbalanced brace: grub would refuse the file, we read on */
    kind = g_array_index(p->blocks, enum block_kind, p->blocks->len - 1);
    g_array_set_size(p->blocks, p->blocks->len - 1);
    if (kind == BLOCK_MENUENTRY)
        p->open = NULL;
}

static void linux_command(struct parser *p)
{
    const struct word *path = word_at(p, 1);

    if (p->open == NULL || p->open->kernel != NULL || path == NULL)
        return;
    p->open->kernel = g_strdup(path->text);
    p->open->kernel_var = path->has_var;
    for (unsigned i = 2; i < p->words->len; i++) {
        const struct word *w = word_at(p, i);

        if (w->has_var)
            continue; /* ${extra_cmdline} and the like: their value is grub's to know */
        if (p->open->cmdline->len > 0)
            g_string_append_c(p->open->cmdline, ' ');
        g_string_append(p->open->cmdline, w->text);
    }
}

static void initrd_command(struct parser *p)
{
    if (p->open == NULL || p->open->initrd != NULL)
        return;
    for (unsigned i = 1; i < p->words->len; i++) {
        if (!word_at(p, i)->has_var) {
            p->open->initrd = g_strdup(word_at(p, i)->text);
            return;
        }
    }
}

static void set_command(struct parser *p)
{
    const struct word *w = word_at(p, 1);

    /* A default from a variable (${saved_entry}, ${next_entry}) lives in grubenv. */
    if (p->blocks->len == 0 && w != NULL && !w->has_var && g_str_has_prefix(w->text, "default=")) {
        g_free(p->default_name);
        p->default_name = g_strdup(w->text + strlen("default="));
    }
}

static void end_statement(struct parser *p)
{
    static const char *const linux_names[] = {"linux", "linuxefi", "linux16", NULL};
    static const char *const initrd_names[] = {"initrd", "initrdefi", "initrd16", NULL};
    const struct word *first = word_at(p, 0);
    const struct word *last = word_at(p, p->words->len - 1);

    if (first == NULL)
        return;
    if (word_is(first, "}")) {
        close_block(p);
    } else if (word_is(last, "{")) {
        open_block(p);
    } else if (word_in(first, linux_names)) {
        linux_command(p);
    } else if (word_in(first, initrd_names)) {
        initrd_command(p);
    } else if (word_is(first, "set")) {
        set_command(p);
    }
    g_array_set_size(p->words, 0);
}

/* Reads one word starting at s (not blank); returns where the word ended. */
static const char *read_word(const char *s, struct word *w)
{
    GString *text = g_string_new(NULL);

    for (; *s != '\0' && !strchr(" \t\r\n;", *s); s++) {
        if (*s == '\\' && s[1] == '\n') {
            s++; /* a line continued */
        } else if (*s == '\\' && s[1] != '\0') {
            g_string_append_c(text, *++s);
        } else if (*s == '\'') {
            w->quoted = true;
            for (s++; *s != '\0' && *s != '\''; s++)
                g_string_append_c(text, *s);
            if (*s == '\0')
                break;
        } else if (*s == '"') {
            w->quoted = true;
            for (s++; *s != '\0' && *s != '"'; s++) {
                if (*s == '\\' && s[1] != '\0' && strchr("$\"\\\n", s[1]))
                    s++;
                else if (*s == '$')
                    w->has_var = true;
                g_string_append_c(text, *s);
            }
            if (*s == '\0')
                break;
        } else {
            w->has_var = w->has_var || *s == '$';
            g_string_append_c(text, *s);
        }
    }
    w->text = g_string_free(text, false);
    return s;
}

static void parse(struct parser *p, const char *s)
{
    while (*s != '\0') {
        struct word w = {0};

        if (*s == ' ' || *s == '\t' || *s == '\r') {
            s++;
        } else if (*s == '\n' || *s == ';') {
            end_statement(p);
            s++;
        } else if (*s == '#') {
            s += strcspn(s, "\n");
        } else {
            s = read_word(s, &w);
            g_array_append_val(p->words, w);
        }
    }
    end_statement(p);
}

static bool all_digits(const char *s)
{
    return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* grub's rule: a number is an index, anything else a title or id; "1>2" goes into a
 * submenu, which we do not read, so it falls back to the first entry like the rest. */
static const struct entry *pick_default(const struct parser *p)
{
    const char *name = p->default_name;

    if (name == NULL)
        return g_ptr_array_index(p->entries, 0);
    if (all_digits(name)) {
        guint64 index = g_ascii_strtoull(name, NULL, 10);

        return g_ptr_array_index(p->entries, index < p->entries->len ? index : 0);
    }
    for (unsigned i = 0; i < p->entries->len; i++) {
        const struct entry *e = g_ptr_array_index(p->entries, i);

        if (strcmp(e->title, name) == 0 || (e->id != NULL && strcmp(e->id, name) == 0))
            return e;
    }
    return g_ptr_array_index(p->entries, 0);
}

/* "(hd0,msdos1)/boot/vmlinuz" and "($root)/vmlinuz" name a file on the same disk. */
static const char *without_device(const char *path)
{
    const char *close = path[0] == '(' ? strchr(path, ')') : NULL;

    return close != NULL ? close + 1 : path;
}

static bool fill_entry(const struct entry *e, struct vbl_grub_entry *out, GError **error)
{
    const char *kernel;

    if (e->kernel == NULL) {
        g_set_error(error, VBL_ERROR, VBL_ERROR_NO_KERNEL,
                    "default entry '%s' has no linux command", e->title);
        return false;
    }
    kernel = without_device(e->kernel);
    if (e->kernel_var || kernel[0] != '/') {
        g_set_error(error, VBL_ERROR, VBL_ERROR_NO_KERNEL,
                    "default entry '%s': kernel path '%s' is not a plain absolute path", e->title,
                    e->kernel);
        return false;
    }
    out->title = g_strdup(e->title);
    out->kernel = g_strdup(kernel);
    out->cmdline = g_strdup(e->cmdline->str);
    out->initrd = e->initrd != NULL ? g_strdup(without_device(e->initrd)) : NULL;
    return true;
}

bool vbl_grub_default_entry(const char *text, struct vbl_grub_entry *entry, GError **error)
{
    struct parser p = {
        .words = g_array_new(false, true, sizeof(struct word)),
        .blocks = g_array_new(false, true, sizeof(enum block_kind)),
        .entries = g_ptr_array_new_with_free_func(entry_free),
    };
    bool ok = false;

    memset(entry, 0, sizeof(*entry));
    g_array_set_clear_func(p.words, word_clear);
    parse(&p, text);
    if (p.entries->len == 0)
        g_set_error(error, VBL_ERROR, VBL_ERROR_NO_KERNEL, "no menuentry outside submenus");
    else
        ok = fill_entry(pick_default(&p), entry, error);
    g_array_unref(p.words);
    g_array_unref(p.blocks);
    g_ptr_array_unref(p.entries);
    g_free(p.default_name);
    return ok;
}

void vbl_grub_entry_clear(struct vbl_grub_entry *entry)
{
    g_free(entry->title);
    g_free(entry->kernel);
    g_free(entry->cmdline);
    g_free(entry->initrd);
    memset(entry, 0, sizeof(*entry));
}
