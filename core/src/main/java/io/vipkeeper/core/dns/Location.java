package io.vipkeeper.core.dns;

import io.vipkeeper.core.InvalidInputException;

/** Where a cluster is: its zone inside its region, both DNS labels (Federation v1's Cluster.Status.Zones[0]/Region). */
public record Location(String zone, String region) {

    public Location {
        zone = DnsLabel.parse(zone);
        region = DnsLabel.parse(region);
    }

    /** Parses {@code ZONE/REGION}, the form of {@code --location}. */
    public static Location parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw new InvalidInputException("location must be ZONE/REGION: "
                    + InvalidInputException.quote(text));
        }
        return new Location(text.substring(0, slash), text.substring(slash + 1));
    }

    @Override
    public String toString() {
        return zone + "/" + region;
    }
}
