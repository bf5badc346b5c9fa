package io.vipkeeper.agent;

import io.vipkeeper.core.plan.AgentPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * An {@link Applier} in memory: it renders its part of the plan with the real renderer and keeps the text "in force"
 * as a real tool would: unchanged text is not applied again, and a refused text leaves the previous one in force.
 */
final class FakeApplier implements Applier {

    private final Kind kind;
    private final Function<AgentPlan, String> render;
    private String refusal;
    private String inForce;
    /** Every text put in force, in order. */
    final List<String> applied = new ArrayList<>();
    /** Every text refused, in order. */
    final List<String> refused = new ArrayList<>();
    boolean closed;
    /** Every VRRP change the reconciler passed on, as {@code "instance STATE"}. */
    final List<String> vrrpChanges = Collections.synchronizedList(new ArrayList<>());

    FakeApplier(Kind kind, Function<AgentPlan, String> render) {
        this.kind = kind;
        this.render = render;
    }

    /** From now on the tool refuses every new text with {@code error}; null accepts again. */
    FakeApplier refuse(String error) {
        this.refusal = error;
        return this;
    }

    /** What is in force, or null. */
    String inForce() {
        return inForce;
    }

    @Override
    public Kind kind() {
        return kind;
    }

    @Override
    public ApplyResult apply(AgentPlan plan) {
        String text = render.apply(plan);
        if (text.equals(inForce)) {
            return ApplyResult.UNCHANGED;
        }
        if (refusal != null) {
            refused.add(text);
            return ApplyResult.rejected(refusal);
        }
        boolean first = inForce == null;
        inForce = text;
        applied.add(text);
        return first ? ApplyResult.STARTED : ApplyResult.APPLIED;
    }

    @Override
    public void vrrpChanged(String instance, VrrpStates.State state) {
        vrrpChanges.add(instance + " " + state);
    }

    @Override
    public void close() {
        closed = true;
    }
}
