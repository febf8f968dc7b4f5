package io.pidspawn.cli;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pidspawn batch}: run many jobs, given as JSON lines, N at a time, and report each as a
 * JSON line. The jobs share one compiled template per executable and the library's one reaper
 * thread; see {@link Batch} for the threads and the signals.
 */
@Command(name = "batch", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Run the jobs in FILE (or stdin), one JSON object a line, N at a time; print",
                "a JSON line for each job as it ends, then a summary line.",
                "",
                "A job:    {\"argv\": [PROG, ARG...], \"cwd\": DIR, \"env\": {NAME: VALUE},",
                "           \"stdin\": TEXT, \"timeout\": DURATION, \"pty\": true}",
                "  Only argv is required. PROG without a slash is looked up in PATH (the job's",
                "  own, if its env sets one). env is set on top of pidspawn's environment.",
                "  stdin is fed to the job, which reads /dev/null without it. timeout replaces",
                "  --timeout; 0 or null is none. With pty true, the job runs on a pseudo-terminal",
                "  of its own: stdin is typed into it, then Ctrl-D, and its stdout is what the",
                "  terminal showed (stderr and the typed echo included), its stderr empty.",
                "  Blank lines are skipped.",
                "A result: {\"index\", \"argv\", \"exit\", \"signal\", \"timed_out\", \"duration_ms\",",
                "           \"stdout\", \"stderr\", \"error\"}",
                "  index counts the jobs (non-blank lines) from 0. exit is null when a signal",
                "  ended the job; exit and signal are null when it could not run (a malformed",
                "  line, a program not found) and error says why. stdout and stderr hold what",
                "  the job wrote, or with --output the names of the files it went to.",
                "The summary: {\"summary\": {\"total\", \"ok\", \"failed\", \"timed_out\", \"errors\",",
                "           \"duration_ms\", \"interrupted\"}}",
                "  interrupted is there, true, only when a signal or a reader gone stopped the batch.",
                ""},
        footer = {"",
                "Each job leads a process group of its own: a job that times out is killed",
                "with its whole group (SIGKILL). Ctrl-C (SIGINT), SIGTERM or SIGHUP stops the",
                "batch: no more jobs start, the running ones are killed with their groups and",
                "reported, then the summary is printed. A reader of the results that goes",
                "away (as `| head` does) stops it the same way, as SIGPIPE would. When stderr",
                "is a terminal, a progress line is redrawn on it.",
                "",
                "Exit status: 0 if every job exited 0; 1 if any failed, timed out or could not",
                "run; 125 if pidspawn itself failed (bad options, unreadable input); 128+N if",
                "signal N stopped the batch (130 for Ctrl-C, 141 for a reader gone).",
                "",
                "Examples:",
                "  pidspawn batch -j 16 --timeout 30s jobs.jsonl > results.jsonl",
                "  echo '{\"argv\": [\"make\", \"-C\", \"lib\"], \"timeout\": \"5m\"}' | pidspawn batch",
                "  find . -name '*.c' | jq -Rc '{argv: [\"cc\", \"-c\", .]}' | pidspawn batch -j 8",
                "  pidspawn batch --output logs jobs.jsonl | jq -c 'select(.argv and .exit != 0)'",
                "  pidspawn batch jobs.jsonl | jq -r 'select(.summary) | .summary.failed'"})
final class BatchCommand implements Callable<Integer> {
    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "How many jobs run at once (default: the number of cores, ${DEFAULT-VALUE}).")
    int jobs = Runtime.getRuntime().availableProcessors();

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Kill a job's process group after DURATION (e.g. 10s, 500ms, 2m) unless the job sets its own.")
    String timeout;

    @Option(names = "--output", paramLabel = "DIR", description = {"Write the stdout and stderr of job INDEX to", "DIR/INDEX.stdout and DIR/INDEX.stderr (DIR is made if missing)."})
    Path output;

    @Option(names = "--inline", description = "Put the captured stdout and stderr in the result lines (the default).")
    boolean inline;

    @Parameters(arity = "0..1", paramLabel = "FILE", defaultValue = "-", description = "The jobs, one JSON object a line; - (the default) reads stdin.")
    String file;

    @Override
    public Integer call() throws InterruptedException {
        Batch.Options options;
        BufferedReader input;
        try {
            options = options();
            input = open(file);
        } catch (IllegalArgumentException e) {
            System.err.println("pidspawn: " + e.getMessage());
            return 125;
        }
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        BatchReport report = new BatchReport(out, Progress.onTerminal());
        if (report.showsProgress() && !file.equals("-")) {
            countJobs(Path.of(file), report);
        }
        return new Batch(options, report).run(input);
    }

    /** Counts a file's jobs ahead, for the progress bar; a file that cannot be read now fails later. */
    private static void countJobs(Path file, BatchReport report) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            report.expect((int) r.lines().filter(l -> !l.isBlank()).count());
        } catch (IOException | UncheckedIOException e) {
            // no bar, then: the batch reports the read error itself
        }
    }

    private Batch.Options options() {
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs " + jobs + ": at least one job must run at a time");
        }
        if (inline && output != null) {
            throw new IllegalArgumentException("--inline and --output " + output + " exclude each other");
        }
        Duration limit = timeout == null ? null : Durations.parse("--timeout", timeout);
        if (output != null) {
            try {
                Files.createDirectories(output);
            } catch (IOException e) {
                throw new IllegalArgumentException("--output " + output + ": cannot create the directory: " + describe(e));
            }
        }
        return new Batch.Options(jobs, limit == null || limit.isZero() ? null : limit, output);
    }

    private static String describe(IOException e) {
        return switch (e) {
            case NoSuchFileException x -> "no such file or directory: " + x.getFile();
            case AccessDeniedException x -> "permission denied: " + x.getFile();
            case FileAlreadyExistsException x -> "a file is in the way: " + x.getFile();
            default -> e.getMessage();
        };
    }

    private static BufferedReader open(String file) {
        if (file.equals("-")) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(file + ": cannot read the jobs: is a directory");
        }
        try {
            // A reader that replaces malformed UTF-8, as for stdin: a bad line fails alone, as JSON.
            return new BufferedReader(new InputStreamReader(Files.newInputStream(Path.of(file)), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the jobs: " + describe(e));
        }
    }
}
