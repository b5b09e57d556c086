/*
 * cmd_checkpoint.c: `ingestbench checkpoint show FILE` prints a checkpoint
 * (any format version) as JSON; a damaged one is refused with the reason.
 */
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "checkpoint_file.h"
#include "cli.h"

typedef struct {
        int unused; /* no flags beyond --help */
} checkpoint_flags_t;

static const ib_option_t checkpoint_cmd_options[] = {IB_OPT_END};

static const ib_cli_spec_t checkpoint_spec = {
    "checkpoint", "show FILE",
    "Prints a checkpoint-mode checkpoint (STATE-DIR/checkpoint, or checkpoint.prev)\n"
    "as JSON: format version, topic, group, batch, and per partition the next offset\n"
    "and the end of the pinned range. Exit 1 with the file and the reason when it is\n"
    "damaged. The format is specified in checkpoint/FORMAT.md.\n",
    NULL, checkpoint_cmd_options, 2, 2, "want 'show FILE'", 0,
};

int ib_cmd_checkpoint(int argc, char **argv) {
        checkpoint_flags_t f;
        int first = 0, rc = ib_cli_parse(&checkpoint_spec, &f, argc, argv, &first);
        if (rc >= 0)
                return rc;
        if (strcmp(argv[first], "show"))
                return ib_cli_usage_error("checkpoint", "want 'show FILE'");
        static ib_checkpoint_t ck;
        char errstr[1024];
        ib_err_t err = ib_checkpoint_read(argv[first + 1], &ck, errstr, sizeof(errstr));
        if (err)
                return ib_cli_fail("checkpoint", err, errstr);
        json_t *parts = json_array();
        for (int i = 0; i < ck.count; i++)
                json_array_append_new(parts, json_pack("{s:i,s:I,s:I}", "partition", (int)ck.parts[i].partition,
                                                       "offset", (json_int_t)ck.parts[i].offset, "next_until",
                                                       (json_int_t)ck.parts[i].next_until));
        json_t *doc = json_pack("{s:s,s:i,s:s,s:s,s:I,s:I,s:o}", "file", argv[first + 1], "version",
                                (int)ck.version, "topic", ck.topic, "group", ck.group, "batch",
                                (json_int_t)ck.batch, "written_ms", (json_int_t)ck.written_ms, "partitions", parts);
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(doc);
        if (!text)
                return ib_cli_fail("checkpoint", IB_ERR_NOMEM, "out of memory");
        puts(text);
        ib_json_free_str(text);
        return IB_EXIT_OK;
}
