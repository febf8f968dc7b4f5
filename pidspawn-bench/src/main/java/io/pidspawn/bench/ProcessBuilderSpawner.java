package io.pidspawn.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * {@link ProcessBuilder} as most code uses it: default pipes, {@code start().waitFor()}, and
 * {@code getInputStream().readAllBytes()} with stderr redirected into stdout. The launch
 * mechanism is the JVM's: the worker of {@code pb-vfork} runs with
 * {@code -Djdk.lang.Process.launchMechanism=VFORK}, which the JDK reads once per JVM.
 */
final class ProcessBuilderSpawner implements Spawner {
    @Override
    public void run(List<String> argv) throws Exception {
        Spawner.checkSuccess(argv, new ProcessBuilder(argv).start().waitFor());
    }

    @Override
    public long capture(List<String> argv, Path dir) throws Exception {
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        long n = p.getInputStream().readAllBytes().length;
        Spawner.checkRan(argv, p.waitFor());
        return n;
    }
}
