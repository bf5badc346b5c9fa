package io.vipkeeper.agent;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.bgp.BgpPassword;
import io.vipkeeper.core.bgp.BgpPeer;
import io.vipkeeper.core.bgp.BgpPeerFlag;
import io.vipkeeper.core.net.IpAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The typed converters of the BGP flags (refused while the command line is parsed: one line, exit 2). */
final class BgpFlags {

    private BgpFlags() {
    }

    /** {@code --bgp-peer address=IP,asn=N,local-asn=N[,...]}; its password file is read here, once. */
    static final class Peer implements ITypeConverter<BgpPeer> {
        @Override
        public BgpPeer convert(String value) {
            try {
                BgpPeerFlag.Parsed parsed = BgpPeerFlag.parse(value);
                if (parsed.passwordFile() == null) {
                    return parsed.peer();
                }
                String content;
                Path file = Path.of(parsed.passwordFile());
                if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                    throw new InvalidInputException("BGP peer password-file " + InvalidInputException.quote(parsed.passwordFile())
                            + " is not a readable file");
                }
                try {
                    content = Files.readString(file);
                } catch (IOException | RuntimeException e) {
                    throw new InvalidInputException("BGP peer password-file " + InvalidInputException.quote(parsed.passwordFile())
                            + " cannot be read as text");
                }
                try {
                    return parsed.peer().withPassword(BgpPassword.fromFileContent(content));
                } catch (InvalidInputException e) {
                    throw new InvalidInputException("BGP peer password-file " + InvalidInputException.quote(parsed.passwordFile()) + ": "
                            + e.getMessage());
                }
            } catch (InvalidInputException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code --bgp-router-id}: an IPv4 address (BGP identifiers are 32 bits). */
    static final class RouterId implements ITypeConverter<IpAddress> {
        @Override
        public IpAddress convert(String value) {
            IpAddress a = IpAddress.tryParse(value);
            if (a == null || !a.isIpv4() || a.isZero()) {
                throw new TypeConversionException(InvalidInputException.quote(value) + " is not a non-zero IPv4 address");
            }
            return a;
        }
    }
}
