package io.vipkeeper.controller.migrate;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.vipkeeper.core.migrate.MetalLbImport;
import io.vipkeeper.platform.CliErrors;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.KubeOptions;
import io.vipkeeper.platform.OptionChecks;
import io.vipkeeper.platform.StartupException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code vipkeeper import metallb [FILE...]}: MetalLB's IPAddressPools and advertisements as VipPools. */
@Command(name = "metallb", mixinStandardHelpOptions = true,
        description = {"Print VipPools made from MetalLB's IPAddressPool, L2Advertisement and BGPAdvertisement objects",
            "(metallb.io/v1beta1), from YAML files (several documents, or a List) or, without FILE, from the cluster.",
            "Exit 0: everything converted; 3: something has no equivalent (one line each on stderr, the rest printed);"
                + " 2: unusable input (nothing printed); 1: the cluster could not be read."})
public final class MetalLbImportCommand implements Callable<Integer>, OptionChecks {

    /** What is read from a cluster: MetalLB's configuration kinds (versions as MetalLB v0.13 to v0.15 serve them). */
    static final List<ResourceDefinitionContext> KINDS = List.of(
            kind("v1beta1", "IPAddressPool", "ipaddresspools"),
            kind("v1beta1", "L2Advertisement", "l2advertisements"),
            kind("v1beta1", "BGPAdvertisement", "bgpadvertisements"),
            kind("v1beta2", "BGPPeer", "bgppeers"),
            kind("v1beta1", "Community", "communities"),
            kind("v1beta1", "BFDProfile", "bfdprofiles"));

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "YAML or JSON files with MetalLB's objects (default: read the cluster).")
    List<Path> files = new ArrayList<>();

    @Mixin
    KubeOptions kube;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static ResourceDefinitionContext kind(String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup("metallb.io").withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    @Override
    public void checkOptions() {
        checkSource(spec, files, kube);
    }

    static void checkSource(CommandLine.Model.CommandSpec spec, List<Path> files, KubeOptions kube) {
        if (!files.isEmpty()) {
            if (kube.kubeconfig() != null || kube.context() != null) {
                throw CliErrors.usage(spec, "give FILEs or --kubeconfig/--context (to read the cluster), not both");
            }
            files.forEach(f -> CliErrors.checked(spec, () -> Flags.readable("FILE", f)));
        } else if (kube.kubeconfig() != null || kube.context() != null) {
            kube.config();
        }
    }

    @Override
    public Integer call() {
        List<Object> documents = files.isEmpty() ? fromCluster() : CliErrors.checked(spec, () -> ImportOutput.read(files));
        return ImportOutput.print(spec, MetalLbImport.convert(documents));
    }

    private List<Object> fromCluster() {
        ObjectMapper json = new ObjectMapper();
        List<Object> out = new ArrayList<>();
        try (KubernetesClient client = kube.connect()) {
            for (ResourceDefinitionContext k : KINDS) {
                List<GenericKubernetesResource> items;
                try {
                    items = client.genericKubernetesResources(k).inAnyNamespace().list().getItems();
                } catch (KubernetesClientException e) {
                    if (e.getCode() == 404) {
                        continue; // that kind is not installed: none of it to import
                    }
                    throw new StartupException("cannot list " + k.getPlural() + "." + k.getGroup() + ": " + Flags.firstLine(e), e);
                }
                for (GenericKubernetesResource r : items) {
                    out.add(json.convertValue(r, Map.class));
                }
            }
        }
        return out;
    }
}
