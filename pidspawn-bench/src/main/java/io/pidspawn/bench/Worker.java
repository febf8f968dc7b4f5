package io.pidspawn.bench;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.Stdio;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A contender's worker process as the harness sees it: a request line in, one answer line out
 * (the protocol of {@link BenchWorker} and the C driver). Its stderr goes to a log file that
 * errors quote.
 */
final class Worker implements AutoCloseable {
    /** Answers start with this; any other line on a worker's stdout is not for the harness. */
    static final String PREFIX = "@bench ";

    private final Contender contender;
    private final Child child;
    private final Writer requests;
    private final BufferedReader answers;
    private final Path log;

    private Worker(Contender contender, Child child, Path log) {
        this.contender = contender;
        this.child = child;
        this.requests = new OutputStreamWriter(child.stdin(), StandardCharsets.UTF_8);
        this.answers = new BufferedReader(new InputStreamReader(child.stdout(), StandardCharsets.UTF_8));
        this.log = log;
    }

    /** Starts the worker of contender with this command, spawned by pidspawn itself. */
    static Worker start(Contender contender, List<String> cmd, Path logDir) throws Exception {
        Path log = logDir.resolve(contender.label() + ".log");
        try (Command c = Command.builder(cmd.getFirst()).args(cmd.subList(1, cmd.size()))
                .stdin(Stdio.pipe()).stdout(Stdio.pipe()).stderr(Stdio.appendTo(log)).build()) {
            return new Worker(contender, c.spawn(), log);
        }
    }

    Contender contender() {
        return contender;
    }

    /** Sends one request (its fields joined by tabs) and waits for the answer. */
    Reply request(Object... fields) throws IOException {
        String line = Arrays.stream(fields).map(String::valueOf).collect(Collectors.joining("\t"));
        requests.write(line + "\n");
        requests.flush();
        for (String answer; (answer = answers.readLine()) != null; ) {
            if (answer.startsWith(PREFIX)) {
                return Reply.parse(contender.label(), line, answer.substring(PREFIX.length()));
            }
        }
        throw new IOException(contender.label() + " worker ended without answering \"" + line.replace('\t', ' ')
                + "\"; the end of its log " + log + ":\n" + logTail());
    }

    private String logTail() throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    /** Ends the worker: end of file on its stdin, then SIGKILL if it takes more than 30 s. */
    @Override
    public void close() throws Exception {
        try {
            try {
                requests.close();
            } catch (IOException workerGone) {
                // it has ended already: waitFor returns at once
            }
            if (!child.waitFor(Duration.ofSeconds(30))) {
                child.kill();
                child.waitFor();
            }
        } finally {
            child.close();
        }
    }
}
