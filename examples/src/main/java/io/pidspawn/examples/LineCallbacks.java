package io.pidspawn.examples;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.ExitStatus;
import io.pidspawn.LineListener;
import io.pidspawn.Stdio;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A child's stdout and stderr as lines while they come, without a thread per child: on the
 * library's callback thread, then on an executor of the caller's own.
 */
public final class LineCallbacks {
    public static void main(String[] args) throws Exception {
        List<String> seen = new ArrayList<>();
        // [readme:lines]
        try (Command make = Command.builder("sh").args("-c", "echo compiling; echo 'warning: x' >&2; printf linked")
                .stdout(Stdio.pipe()).stderr(Stdio.pipe()).build();
             Child child = make.spawn()) {
            CompletableFuture<Void> done = child.onOutput(LineListener.of((stream, line) ->
                    seen.add(stream + ": " + line)));           // one call at a time, in order per stream
            done.join();                                        // both streams at their end, the last line told
            ExitStatus status = child.waitFor();
            Check.that(status.success(), "sh ended with " + status);
        }
        // [/readme:lines]
        Check.that(seen.size() == 3 && seen.contains("STDOUT: compiling") && seen.contains("STDERR: warning: x")
                && seen.indexOf("STDOUT: compiling") < seen.indexOf("STDOUT: linked"), "lines seen: " + seen);

        ExecutorService mine = Executors.newVirtualThreadPerTaskExecutor();
        try (Command seq = Command.builder("seq").args("100000").stdout(Stdio.pipe()).build();
             Child child = seq.spawn()) {
            long[] count = {0};
            child.onOutput(LineListener.of((stream, line) -> count[0]++), mine).join();
            Check.that(count[0] == 100_000, "lines of seq 100000 on my executor: " + count[0]);
            Check.that(child.waitFor().success(), "seq ended with " + child.waitFor());
        } finally {
            mine.shutdown();
        }
        System.out.println("line-callbacks: ok (" + seen.size() + " lines on pidspawn-exit, 100000 on a caller's executor)");
    }
}
