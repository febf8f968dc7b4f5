package io.pidspawn.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A Java contender's process: {@code BenchWorker CONTENDER} answers the harness's requests, one
 * per line on stdin, with one line on stdout, exactly as the C driver ({@code spawn_driver.c})
 * does, so that {@link Worker} drives both alike. Requests (fields separated by tabs):
 * <pre>
 * serial N ARGV...               N calls of ARGV, one after another
 * timed THREADS MILLIS ARGV...   THREADS threads calling ARGV until MILLIS have passed
 * mix INFLIGHT COUNT DIR FILE    COUNT captured calls, INFLIGHT at a time, cycling through FILE
 * load K                         keep K supervised sleep children alive (pidspawn only)
 * supervise N BASE_US SPACING_US DRIVER STAMP_FILE   see {@link SuperviseRun} (pidspawn only)
 * </pre>
 * Answers: {@code @bench ok FIELD=VALUE...} or {@code @bench error MESSAGE}. Runs on the class
 * path (NuProcess and JNA are not modules), started by {@link Contender#command}.
 */
public final class BenchWorker {
    private final Spawner spawner;

    private BenchWorker(Spawner spawner) {
        this.spawner = spawner;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: BenchWorker CONTENDER  (requests on stdin)");
            System.exit(2);
        }
        BenchWorker w = new BenchWorker(Spawner.of(args[0]));
        PrintStream out = System.out;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String answer;
            try {
                answer = "ok " + w.answer(line.split("\t"));
            } catch (Exception | Error e) {
                answer = "error " + String.valueOf(e).replace('\n', ' ');
            }
            out.println(Worker.PREFIX + answer);
            out.flush();
        }
        System.exit(0); // NuProcess's and ProcessBuilder's threads must not keep the worker alive
    }

    private String answer(String[] f) throws Exception {
        List<String> argv;
        return switch (f[0]) {
            case "serial" -> {
                argv = tail(f, 2);
                yield RunLoop.execute(1, Integer.parseInt(f[1]), Long.MAX_VALUE, i -> run(argv));
            }
            case "timed" -> {
                argv = tail(f, 3);
                long deadline = System.nanoTime() + Long.parseLong(f[2]) * 1_000_000;
                yield RunLoop.execute(Integer.parseInt(f[1]), RunLoop.MAX_TIMED_CALLS, deadline, i -> run(argv));
            }
            case "mix" -> {
                Path dir = Path.of(f[3]);
                List<List<String>> calls = Files.readAllLines(Path.of(f[4])).stream()
                        .filter(l -> !l.isEmpty()).map(l -> List.of(l.split("\t"))).toList();
                yield RunLoop.execute(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Long.MAX_VALUE,
                        i -> spawner.capture(calls.get((int) (i % calls.size())), dir));
            }
            case "load" -> {
                spawner.load(Integer.parseInt(f[1]));
                yield "count=" + f[1];
            }
            case "supervise" -> spawner.supervise(new SuperviseRun.Spec(Integer.parseInt(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Path.of(f[4]), Path.of(f[5])));
            default -> throw new IllegalArgumentException("unknown request: " + f[0]);
        };
    }

    private long run(List<String> argv) throws Exception {
        spawner.run(argv);
        return 0;
    }

    private static List<String> tail(String[] f, int from) {
        return List.copyOf(Arrays.asList(f).subList(from, f.length));
    }
}
