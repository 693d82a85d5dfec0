/* The usual message's TCP line and websocket frame, written from its payload
   text without building its data.

   pyoocsi/core/encoding.py defines a message's line (render_json) and
   pyoocsi/web/frames.py its websocket frame (message_wire). json_line() and
   websocket_frame() write the same bytes for the commonest payload only: one
   flat JSON object of printable-ASCII strings, integers of up to 18 digits,
   booleans and nulls, no key starting with "_" and none named like the
   envelope, between client names that JSON writes without escapes. For
   anything else they answer None, without reading the clock, and the caller
   takes the Python path, which alone decides whether a payload is valid: this
   module never refuses one. Values are copied as they were sent, which is what
   orjson writes for them; the keys are sorted by their bytes, which for ASCII
   is the order render_data() uses.

   Everything is read inside the payload's own buffer, whose length is known;
   the members are kept in a fixed array, and a payload with more of them
   takes the Python path. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string.h>

#define MAX_MEMBERS 64
#define MAX_INT_DIGITS 18

typedef struct {
    const char *key; /* the key's bytes, quotes excluded */
    Py_ssize_t key_len;
    const char *value; /* the value as sent */
    Py_ssize_t value_len;
} Member;

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static Py_ssize_t
skip_space(const char *s, Py_ssize_t i, Py_ssize_t n)
{
    while (i < n && is_space(s[i])) {
        i++;
    }
    return i;
}

/* A string whose opening quote is s[i]: the index past its closing quote, or
   -1. Only printable ASCII, and only the escapes orjson writes back the same
   way (keys take none at all, so that their bytes sort as their text). */
static Py_ssize_t
scan_string(const char *s, Py_ssize_t i, Py_ssize_t n, int escapes)
{
    for (i++; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            return i + 1;
        }
        if (c == '\\') {
            if (!escapes || i + 1 >= n) {
                return -1;
            }
            switch (s[i + 1]) {
            case '"':
            case '\\':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                i++;
                continue;
            default:
                return -1;
            }
        }
        if (c < 0x20 || c > 0x7e) {
            return -1;
        }
    }
    return -1;
}

/* An integer starting at s[i]: the index past it, or -1. "-0" is left to the
   Python path (orjson writes it as 0), and so is anything with a fraction or
   an exponent, which the caller finds where it expects "," or "}". */
static Py_ssize_t
scan_integer(const char *s, Py_ssize_t i, Py_ssize_t n)
{
    int negative = s[i] == '-';
    if (negative) {
        i++;
    }
    if (i >= n) {
        return -1;
    }
    if (s[i] == '0') {
        return negative ? -1 : i + 1;
    }
    Py_ssize_t first = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    if (i == first || i - first > MAX_INT_DIGITS) {
        return -1;
    }
    return i;
}

static Py_ssize_t
scan_word(const char *s, Py_ssize_t i, Py_ssize_t n, const char *word)
{
    Py_ssize_t len = (Py_ssize_t)strlen(word);
    if (n - i < len || memcmp(s + i, word, (size_t)len) != 0) {
        return -1;
    }
    return i + len;
}

static Py_ssize_t
scan_value(const char *s, Py_ssize_t i, Py_ssize_t n)
{
    switch (s[i]) {
    case '"':
        return scan_string(s, i, n, 1);
    case 't':
        return scan_word(s, i, n, "true");
    case 'f':
        return scan_word(s, i, n, "false");
    case 'n':
        return scan_word(s, i, n, "null");
    default:
        if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
            return scan_integer(s, i, n);
        }
        return -1;
    }
}

static int
is_named(const Member *m, const char *name)
{
    Py_ssize_t len = (Py_ssize_t)strlen(name);
    return m->key_len == len && memcmp(m->key, name, (size_t)len) == 0;
}

/* Reads the object into members; returns their number, or -1. */
static int
scan_object(const char *s, Py_ssize_t n, Member *members)
{
    int count = 0;
    Py_ssize_t i = skip_space(s, 1, n); /* s[0] is "{" */
    if (i < n && s[i] == '}') {
        i++;
    }
    else {
        for (;;) {
            if (i >= n || s[i] != '"' || count == MAX_MEMBERS) {
                return -1;
            }
            Py_ssize_t end = scan_string(s, i, n, 0);
            if (end < 0) {
                return -1;
            }
            Member *m = &members[count++];
            m->key = s + i + 1;
            m->key_len = end - i - 2;
            if ((m->key_len > 0 && m->key[0] == '_') || is_named(m, "recipient") ||
                is_named(m, "timestamp") || is_named(m, "sender")) {
                return -1;
            }
            i = skip_space(s, end, n);
            if (i >= n || s[i] != ':') {
                return -1;
            }
            i = skip_space(s, i + 1, n);
            if (i >= n || (end = scan_value(s, i, n)) < 0) {
                return -1;
            }
            m->value = s + i;
            m->value_len = end - i;
            i = skip_space(s, end, n);
            if (i < n && s[i] == ',') {
                i = skip_space(s, i + 1, n);
                continue;
            }
            if (i < n && s[i] == '}') {
                i++;
                break;
            }
            return -1;
        }
    }
    /* Text after the object is left to the Python path; spaces are not text. */
    return skip_space(s, i, n) == n ? count : -1;
}

static int
key_order(const Member *a, const Member *b)
{
    Py_ssize_t common = a->key_len < b->key_len ? a->key_len : b->key_len;
    int order = memcmp(a->key, b->key, (size_t)common);
    if (order != 0) {
        return order;
    }
    return (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

/* Insertion sort (at most MAX_MEMBERS); 1 when two keys are equal. */
static int
sort_members(Member *members, int count)
{
    for (int i = 1; i < count; i++) {
        Member m = members[i];
        int j = i - 1;
        int order = 0;
        while (j >= 0 && (order = key_order(&members[j], &m)) > 0) {
            members[j + 1] = members[j];
            j--;
        }
        if (j >= 0 && order == 0) {
            return 1;
        }
        members[j + 1] = m;
    }
    return 0;
}

/* A client name written as a JSON string needs no escape: printable ASCII
   without quotes or backslashes. */
static const char *
plain_name(PyObject *name, Py_ssize_t *len)
{
    if (!PyUnicode_IS_ASCII(name)) {
        return NULL;
    }
    const char *text = PyUnicode_AsUTF8AndSize(name, len);
    if (text == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < *len; i++) {
        char c = text[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
            return NULL;
        }
    }
    return text;
}

/* The decimal digits of value (snprintf's "%lld", without its cost). */
static Py_ssize_t
write_integer(char *out, long long value)
{
    char reversed[24];
    int len = 0;
    unsigned long long magnitude =
        value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    do {
        reversed[len++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0);
    Py_ssize_t at = 0;
    if (value < 0) {
        out[at++] = '-';
    }
    while (len > 0) {
        out[at++] = reversed[--len];
    }
    return at;
}

static char *
put(char *out, const char *text, Py_ssize_t len)
{
    memcpy(out, text, (size_t)len);
    return out + len;
}

#define PUT_LITERAL(out, text) put((out), (text), (Py_ssize_t)sizeof(text) - 1)

static char *
put_members(char *out, const Member *members, int count)
{
    for (int i = 0; i < count; i++) {
        if (i > 0) {
            *out++ = ',';
        }
        *out++ = '"';
        out = put(out, members[i].key, members[i].key_len);
        *out++ = '"';
        *out++ = ':';
        out = put(out, members[i].value, members[i].value_len);
    }
    return out;
}

enum form { LINE, FRAME };

static const char RECIPIENT[] = "\"recipient\":\"";
static const char TIMESTAMP[] = "\",\"timestamp\":";
static const char SENDER[] = ",\"sender\":\"";
static const char LINE_END[] = "\"}\n";
static const char DATA[] = "\",\"data\":{";
static const char FRAME_END[] = "}}";

#define LITERAL_LEN(text) ((Py_ssize_t)sizeof(text) - 1)

/* The TCP line, or the websocket frame (header included), of one message. */
static PyObject *
render(PyObject *const *args, Py_ssize_t nargs, enum form form)
{
    if (nargs != 4 || !PyUnicode_Check(args[0]) || !PyUnicode_Check(args[1]) ||
        !PyCallable_Check(args[2]) || !PyUnicode_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError,
                        "expected (payload: str, recipient: str, "
                        "clock: Callable[[], int], sender: str)");
        return NULL;
    }
    PyObject *payload = args[0];
    if (!PyUnicode_IS_ASCII(payload)) {
        Py_RETURN_NONE;
    }
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(payload, &n);
    if (s == NULL) {
        return NULL;
    }
    Py_ssize_t recipient_len, sender_len;
    const char *recipient = plain_name(args[1], &recipient_len);
    const char *sender = plain_name(args[3], &sender_len);
    if (n == 0 || s[0] != '{' || recipient == NULL || sender == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    Member members[MAX_MEMBERS];
    int count = scan_object(s, n, members);
    if (count < 0 || sort_members(members, count)) {
        Py_RETURN_NONE;
    }

    /* The clock is read only for a message written here, so that the Python
       path reads it as often, and in the same order, as it would alone. */
    PyObject *now = PyObject_CallNoArgs(args[2]);
    if (now == NULL) {
        return NULL;
    }
    if (!PyLong_Check(now)) {
        Py_DECREF(now);
        PyErr_SetString(PyExc_TypeError, "the clock must return an int");
        return NULL;
    }
    int overflow;
    long long timestamp = PyLong_AsLongLongAndOverflow(now, &overflow);
    Py_DECREF(now);
    if (overflow) {
        PyErr_SetString(PyExc_OverflowError, "a timestamp beyond 64 bits");
        return NULL;
    }

    char digits[24];
    Py_ssize_t digits_len = write_integer(digits, timestamp);
    Py_ssize_t members_len = count > 1 ? count - 1 : 0; /* the commas */
    for (int i = 0; i < count; i++) {
        members_len += members[i].key_len + 3 + members[i].value_len; /* "k": */
    }
    /* What both forms share: the names and the timestamp in their framing. */
    Py_ssize_t size = LITERAL_LEN(RECIPIENT) + recipient_len + LITERAL_LEN(TIMESTAMP) +
                      digits_len + LITERAL_LEN(SENDER) + sender_len + members_len;
    Py_ssize_t header = 0;
    if (form == LINE) {
        size += 1 + (count > 0) + LITERAL_LEN(LINE_END); /* { and , */
    }
    else {
        size += 1 + LITERAL_LEN(DATA) + LITERAL_LEN(FRAME_END);
        header = size < 126 ? 2 : size < 65536 ? 4 : 10;
    }
    PyObject *result = PyBytes_FromStringAndSize(NULL, header + size);
    if (result == NULL) {
        return NULL;
    }
    char *out = PyBytes_AS_STRING(result);
    if (form == LINE) {
        *out++ = '{';
        out = put_members(out, members, count);
        if (count > 0) {
            *out++ = ',';
        }
    }
    else {
        /* A final, unmasked text frame (RFC 6455, section 5.2). */
        unsigned char *head = (unsigned char *)out;
        head[0] = 0x81;
        if (header == 2) {
            head[1] = (unsigned char)size;
        }
        else if (header == 4) {
            head[1] = 126;
            head[2] = (unsigned char)(size >> 8);
            head[3] = (unsigned char)size;
        }
        else {
            head[1] = 127;
            for (int i = 0; i < 8; i++) {
                head[2 + i] = (unsigned char)((unsigned long long)size >> (56 - 8 * i));
            }
        }
        out += header;
        *out++ = '{';
    }
    out = PUT_LITERAL(out, RECIPIENT);
    out = put(out, recipient, recipient_len);
    out = PUT_LITERAL(out, TIMESTAMP);
    out = put(out, digits, digits_len);
    out = PUT_LITERAL(out, SENDER);
    out = put(out, sender, sender_len);
    if (form == LINE) {
        out = PUT_LITERAL(out, LINE_END);
    }
    else {
        out = PUT_LITERAL(out, DATA);
        out = put_members(out, members, count);
        out = PUT_LITERAL(out, FRAME_END);
    }
    assert(out == PyBytes_AS_STRING(result) + header + size);
    return result;
}

static PyObject *
json_line(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    return render(args, nargs, LINE);
}

static PyObject *
websocket_frame(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    return render(args, nargs, FRAME);
}

static PyMethodDef methods[] = {
    {"json_line", (PyCFunction)(void (*)(void))json_line, METH_FASTCALL,
     "json_line(payload, recipient, clock, sender) -> bytes | None\n\n"
     "render_json()'s line for the usual flat payload, or None for any other."},
    {"websocket_frame", (PyCFunction)(void (*)(void))websocket_frame, METH_FASTCALL,
     "websocket_frame(payload, recipient, clock, sender) -> bytes | None\n\n"
     "The message's websocket frame for the usual flat payload, or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "pyoocsi.core._fastline",
    "The usual direct message's JSON line in C (see pyoocsi.core.fastline).",
    0,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__fastline(void)
{
    return PyModuleDef_Init(&module);
}
