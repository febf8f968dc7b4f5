package io.pidspawn.bench;

import io.pidspawn.Capture;
import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.ErrnoException;
import io.pidspawn.Output;
import io.pidspawn.SpawnOverrides;
import io.pidspawn.Stdio;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * pidspawn's Java API as an application uses it: one {@link Command} per program (the template,
 * built on first use and reused), {@code spawn().waitFor()} and {@code output()}.
 */
final class PidspawnSpawner implements Spawner {
    private final Map<List<String>, Command> commands = new ConcurrentHashMap<>();
    private final Map<List<String>, Command> tools = new ConcurrentHashMap<>(); // [dir, executable] -> template
    private Population population;

    @Override
    public void run(List<String> argv) throws Exception {
        Command c = commands.computeIfAbsent(argv, a -> build(Command.builder(a.getFirst()).args(a.subList(1, a.size()))));
        try (Child child = c.spawn()) {
            Spawner.checkSuccess(argv, child.waitFor().shellCode());
        }
    }

    @Override
    public long capture(List<String> argv, Path dir) throws Exception {
        Command c = tools.computeIfAbsent(List.of(dir.toString(), argv.getFirst()),
                k -> build(Command.builder(argv.getFirst()).cwd(dir)));
        Output out = c.output(SpawnOverrides.none().withArgs(argv.subList(1, argv.size())).withStderr(Stdio.mergeWithStdout()),
                Capture.defaults());
        Spawner.checkRan(argv, out.status().shellCode());
        return out.stdout().length;
    }

    @Override
    public void load(int children) throws Exception {
        if (population == null) {
            population = new Population();
        }
        population.resize(children);
    }

    @Override
    public String supervise(SuperviseRun.Spec spec) throws Exception {
        return new SuperviseRun(spec).run();
    }

    static Command build(Command.Builder b) {
        try {
            return b.build();
        } catch (ErrnoException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
