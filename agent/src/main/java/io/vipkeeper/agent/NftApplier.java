package io.vipkeeper.agent;

import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.render.NftablesRuleset;
import io.vipkeeper.platform.process.Exec;
import java.time.Duration;

/**
 * The nftables data plane: the ruleset is applied with {@code nft -f -}, one transaction that replaces vipkeeper's
 * table, so a refused ruleset leaves the previous one in force. Remembers the digest of what it applied, not the text.
 */
final class NftApplier implements Applier {

    private final HostCommands host;
    private Digest applied;

    NftApplier(HostCommands host) {
        this.host = host;
    }

    @Override
    public Kind kind() {
        return Kind.NFTABLES;
    }

    @Override
    public ApplyResult apply(AgentPlan plan) {
        String script = NftablesRuleset.render(plan);
        Digest digest = Digest.of(script);
        if (digest.equals(applied)) {
            return ApplyResult.UNCHANGED;
        }
        Exec.Result r = host.run(script, Duration.ofSeconds(15), "nft", "-f", "-");
        if (!r.ok()) {
            return ApplyResult.rejected(r.message());
        }
        applied = digest;
        return ApplyResult.APPLIED;
    }

    /** Deletes vipkeeper's table, if this agent made one. */
    @Override
    public void close() {
        if (applied != null) {
            String[] table = NftablesRuleset.TABLE.split(" ");
            host.run(Duration.ofSeconds(10), "nft", "delete", "table", table[0], table[1]);
        }
    }
}
