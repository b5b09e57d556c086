/*
 * base64.c: RFC 4648 base64 with padding.
 */
#include "base64.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int ib_base64_append(ib_buf_t *out, const void *data, size_t len) {
        const unsigned char *p = data;
        if (ib_buf_reserve(out, ib_base64_len(len)) != 0)
                return -1;
        char *o = out->data + out->len;
        size_t i = 0;
        for (; i + 2 < len; i += 3) {
                unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
                *o++ = b64[v >> 18];
                *o++ = b64[(v >> 12) & 63];
                *o++ = b64[(v >> 6) & 63];
                *o++ = b64[v & 63];
        }
        if (i < len) {
                unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0);
                *o++ = b64[v >> 18];
                *o++ = b64[(v >> 12) & 63];
                *o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
                *o++ = '=';
        }
        out->len = (size_t)(o - out->data);
        out->data[out->len] = '\0';
        return 0;
}

static int b64val(char c) {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
}

long ib_base64_decode(const char *in, size_t len, unsigned char *out) {
        if (len % 4)
                return -1;
        long n = 0;
        for (size_t i = 0; i < len; i += 4) {
                int a = b64val(in[i]), b = b64val(in[i + 1]);
                int last = i + 4 == len;
                int c = (last && in[i + 2] == '=') ? -2 : b64val(in[i + 2]);
                int d = (last && in[i + 3] == '=') ? -2 : b64val(in[i + 3]);
                if (a < 0 || b < 0 || c == -1 || d == -1 || (c == -2 && d != -2))
                        return -1;
                out[n++] = (unsigned char)(a << 2 | b >> 4);
                if (c >= 0)
                        out[n++] = (unsigned char)((b & 15) << 4 | c >> 2);
                if (d >= 0)
                        out[n++] = (unsigned char)((c & 3) << 6 | d);
        }
        return n;
}
