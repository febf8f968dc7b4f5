package io.pidspawn.bench;

import io.pidspawn.Command;
import io.pidspawn.Output;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The agent-mix fixture: a small generated git repository (a few hundred files, some changed
 * and some untracked since the commit, so git status and git diff have something to say) and a
 * seeded list of the calls a coding agent makes in one, one argv per line, tab-separated.
 */
final class AgentRepo {
    private static final int PACKAGES = 8;
    private static final int FILES_PER_PACKAGE = 40;

    private final Path dir;
    private final Random random;

    private AgentRepo(Path dir, long seed) {
        this.dir = dir;
        this.random = new Random(seed);
    }

    /** Generates the repository in dir (replacing what is there) from the seed. */
    static AgentRepo create(Path dir, long seed) throws Exception {
        AgentRepo repo = new AgentRepo(dir, seed);
        repo.generate();
        return repo;
    }

    Path dir() {
        return dir;
    }

    private void generate() throws Exception {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        for (int p = 0; p < PACKAGES; p++) {
            for (int f = 0; f < FILES_PER_PACKAGE; f++) {
                Path file = dir.resolve(source(p, f));
                Files.createDirectories(file.getParent());
                Files.writeString(file, code(20 + random.nextInt(60)));
            }
        }
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "generated");
        for (int i = 0; i < 10; i++) {
            Files.writeString(dir.resolve(source(random.nextInt(PACKAGES), random.nextInt(FILES_PER_PACKAGE))), code(5),
                    java.nio.file.StandardOpenOption.APPEND);
        }
        for (int i = 0; i < 3; i++) {
            Files.writeString(dir.resolve("src/pkg0/untracked_" + i + ".py"), code(10));
        }
    }

    private static String source(int pkg, int file) {
        return "src/pkg" + pkg + "/module_" + file + ".py";
    }

    private String code(int lines) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            int n = random.nextInt(1000);
            s.append(i % 10 == 0 ? "def func_" + n + "(x):\n" : "    x = x * " + n + " + 1  # token_" + random.nextInt(50)
                    + (n % 17 == 0 ? " TODO" : "") + "\n");
        }
        return s.toString();
    }

    private void git(String... args) throws Exception {
        try (Command git = Command.builder(Binaries.tool("git").toString()).args(args).cwd(dir).build()) {
            Output out = git.output();
            if (!out.success()) {
                throw new IOException("git " + String.join(" ", args) + " in " + dir + ": " + out.status() + " " + out.stderrText());
            }
        }
    }

    /** Writes count calls, drawn from the fourteen kinds with the seeded generator, to file. */
    Path writeCalls(Path file, int count) throws IOException {
        List<Function<Random, List<String>>> kinds = List.of(
                r -> List.of("git", "status", "--short"),
                r -> List.of("git", "diff"),
                r -> List.of("grep", "-rn", "token_" + r.nextInt(50), "src"),
                r -> List.of("sed", "-n", (1 + r.nextInt(10)) + "," + (11 + r.nextInt(20)) + "p", anyFile(r)),
                r -> List.of("awk", "/def / {n++} END {print n}", anyFile(r)),
                r -> List.of("cat", anyFile(r)),
                r -> List.of("head", "-n", "20", anyFile(r)),
                r -> List.of("find", "src", "-name", "*_" + r.nextInt(FILES_PER_PACKAGE) + ".py"),
                r -> List.of("ls", "-la", "src/pkg" + r.nextInt(PACKAGES)),
                r -> List.of("stat", anyFile(r)),
                r -> List.of("python3", "-c", "import json; print(json.dumps({'n': " + r.nextInt(1000) + "}))"),
                r -> List.of("node", "-e", "console.log(JSON.stringify({n: " + r.nextInt(1000) + "}))"),
                r -> List.of("sh", "-c", "ls src/pkg" + r.nextInt(PACKAGES) + " | wc -l"),
                r -> List.of("bash", "-c", "for f in src/pkg" + r.nextInt(PACKAGES) + "/*.py; do echo \"$f\"; done | tail -n 3"));
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            List<String> argv = new ArrayList<>(kinds.get(random.nextInt(kinds.size())).apply(random));
            argv.set(0, Binaries.tool(argv.getFirst()).toString()); // resolved once, as a template resolves it
            lines.add(String.join("\t", argv));
        }
        Files.write(file, lines);
        return file;
    }

    private static String anyFile(Random r) {
        return source(r.nextInt(PACKAGES), r.nextInt(FILES_PER_PACKAGE));
    }
}
