package io.pidspawn.examples;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.Pipeline;
import io.pidspawn.Stdio;
import java.io.IOException;
import java.util.List;

/**
 * Children piped into children by the kernel, not through this process: printf | sort | uniq -c
 * captured with every stage's status, then a pipeline whose last stage is read as it runs.
 */
public final class Pipelines {
    public static void main(String[] args) throws Exception {
        // [readme:pipeline]
        try (Command printf = Command.builder("printf").args("b\\na\\nb\\n").build();
             Command sort = Command.builder("sort").build();
             Command uniq = Command.builder("uniq").args("-c").build()) {
            Pipeline.Result r = Pipeline.of(printf, sort, uniq).output();
            if (!r.success()) {                                 // as the shell's pipefail sees it
                throw new IOException("stage " + r.failedStage().getAsInt() + " failed: " + r.statuses());
            }
            String counted = r.last().stdoutText();             // "      1 a\n      2 b\n"
            Check.that(counted.equals("      1 a\n      2 b\n"), "printf | sort | uniq -c: \"" + counted + "\"");
        }
        // [/readme:pipeline]

        try (Command seq = Command.builder("seq").args("1000").build();
             Command tail = Command.builder("tail").args("-n", "1").build()) {
            List<Child> stages = Pipeline.of(seq, tail).start(Stdio.pipe());
            try {
                String last = new String(stages.getLast().stdout().readAllBytes()).strip();
                Check.that(last.equals("1000"), "seq 1000 | tail -n 1: \"" + last + "\"");
                for (Child stage : stages) {
                    Check.that(stage.waitFor().success(), stage.program() + " ended with " + stage.waitFor());
                }
            } finally {
                stages.forEach(Child::close);
            }
        }
        System.out.println("pipelines: ok (printf | sort | uniq -c and seq | tail, child to child)");
    }
}
