package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;
import java.util.regex.Pattern;

/**
 * A Service port's {@code targetPort}: a number or a container port name. Kept for validation and display only:
 * the number traffic goes to is always the EndpointSlice port's number, which the EndpointSlice controller has
 * already resolved per pod (a named targetPort may be a different number on each pod), as kube-proxy does.
 */
public sealed interface TargetPort permits TargetPort.Numbered, TargetPort.Named {

    /** IANA_SVC_NAME: what Kubernetes accepts for port names. */
    Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?");

    record Numbered(int port) implements TargetPort {
        public Numbered {
            AgentChecks.port(port, "targetPort");
        }
    }

    record Named(String name) implements TargetPort {
        public Named {
            if (name == null || !PORT_NAME.matcher(name).matches() || name.chars().noneMatch(Character::isLetter)) {
                throw new InvalidInputException("not a valid port name: " + InvalidInputException.quote(name)
                        + " (lower-case letters, digits and '-', at most 15, at least one letter)");
            }
        }
    }
}
