package io.pidspawn.examples;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.ExitStatus;
import io.pidspawn.SpawnOverrides;
import java.util.ArrayList;
import java.util.List;

/** One command, 200 children running at once, each waited for and its own exit code checked. */
public final class ManyChildren {
    private static final int CHILDREN = 200;

    public static void main(String[] args) throws Exception {
        // Each child sleeps a moment so that all of them run at the same time, then exits with its argument.
        try (Command exit = Command.builder("sh").args("-c", "sleep 0.5; exit $1", "sh").build()) {
            List<Child> children = new ArrayList<>(CHILDREN);
            try {
                for (int i = 0; i < CHILDREN; i++) {
                    children.add(exit.spawn(SpawnOverrides.none().withArgs(Integer.toString(i % 256))));
                }
                for (int i = 0; i < CHILDREN; i++) {
                    ExitStatus s = children.get(i).waitFor();
                    Check.that(s.exited() && s.code() == i % 256, "child " + i + " ended with " + s);
                }
            } finally {
                for (Child c : children) {
                    c.close();
                }
            }
        }
        System.out.println("many-children: ok (" + CHILDREN + " children)");
    }
}
