package io.vipkeeper.controller.migrate;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.migrate.KubeVipImport;
import io.vipkeeper.core.names.ConfigMapRef;
import io.vipkeeper.platform.CliErrors;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.KubeOptions;
import io.vipkeeper.platform.OptionChecks;
import io.vipkeeper.platform.StartupException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vipkeeper import kube-vip [FILE]}: kube-vip-cloud-provider's ConfigMap as VipPools. */
@Command(name = "kube-vip", mixinStandardHelpOptions = true,
        description = {"Print VipPools made from kube-vip-cloud-provider's ConfigMap (cidr-<ns>, range-<ns>, cidr-global,",
            "range-global, allow-share-<ns>, interface-<ns>, skip-end-ips-in-cidr, search-order), from a YAML file or,",
            "without FILE, from the cluster.",
            "Exit 0: everything converted; 3: something has no equivalent (one line each on stderr, the rest printed);"
                + " 2: unusable input (nothing printed); 1: the cluster could not be read."})
public final class KubeVipImportCommand implements Callable<Integer>, OptionChecks {

    @Parameters(paramLabel = "FILE", arity = "0..1", description = "A YAML or JSON file with the ConfigMap (default: read the cluster).")
    List<Path> files = new ArrayList<>();

    @Option(names = "--configmap", paramLabel = "NS/NAME", defaultValue = "kube-system/kubevip",
            description = "The ConfigMap kube-vip-cloud-provider reads (default: ${DEFAULT-VALUE}).")
    String configMap;

    @Mixin
    KubeOptions kube;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void checkOptions() {
        ref();
        MetalLbImportCommand.checkSource(spec, files, kube);
    }

    private ConfigMapRef ref() {
        return CliErrors.flag(spec, "--configmap", () -> ConfigMapRef.parse(configMap));
    }

    @Override
    public Integer call() {
        ConfigMapRef ref = ref();
        Map<String, ?> data = files.isEmpty() ? fromCluster(ref) : CliErrors.checked(spec, () -> fromFile(files.get(0), ref));
        return ImportOutput.print(spec, KubeVipImport.convert(data));
    }

    /** The ConfigMap's data from a file: the one ConfigMap in it, or the one named as --configmap. */
    static Map<String, ?> fromFile(Path file, ConfigMapRef ref) {
        List<Map<?, ?>> configMaps = new ArrayList<>();
        for (Object doc : ImportOutput.read(List.of(file))) {
            List<?> items = doc instanceof Map<?, ?> m && m.get("items") instanceof List<?> l ? l : List.of(doc);
            for (Object o : items) {
                if (o instanceof Map<?, ?> m && "ConfigMap".equals(m.get("kind"))) {
                    configMaps.add(m);
                }
            }
        }
        List<Map<?, ?>> named = configMaps.stream().filter(m -> m.get("metadata") instanceof Map<?, ?> md
                && ref.name().equals(md.get("name"))).toList();
        List<Map<?, ?>> chosen = configMaps.size() == 1 ? configMaps : named;
        if (chosen.size() != 1) {
            throw new InvalidInputException(file + ": " + (configMaps.isEmpty() ? "no ConfigMap in it"
                    : chosen.isEmpty() ? "no ConfigMap named " + ref.name() + " in it" : "several ConfigMaps named " + ref.name()));
        }
        Object data = chosen.get(0).get("data");
        if (data == null) {
            return Map.of();
        }
        if (!(data instanceof Map<?, ?> d)) {
            throw new InvalidInputException(file + ": the ConfigMap's data is not a mapping");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : d.entrySet()) {
            out.put(String.valueOf(e.getKey()), e.getValue());
        }
        return out;
    }

    private Map<String, ?> fromCluster(ConfigMapRef ref) {
        try (KubernetesClient client = kube.connect()) {
            ConfigMap cm = client.configMaps().inNamespace(ref.namespace()).withName(ref.name()).get();
            if (cm == null) {
                throw CliErrors.usage(spec, "no ConfigMap " + ref + " in the cluster (see --configmap)");
            }
            return cm.getData() == null ? Map.of() : cm.getData();
        } catch (KubernetesClientException e) {
            throw new StartupException("cannot read ConfigMap " + ref + ": " + Flags.firstLine(e), e);
        }
    }
}
