package io.vipkeeper.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.vipkeeper.core.pool.VipPoolSpec;
import java.util.List;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.util.Map;

/**
 * Parses rendered objects into fabric8's model strictly: an unknown field anywhere fails. fabric8's model classes
 * catch unknown fields in an {@code @JsonAnySetter} map (additionalProperties), so FAIL_ON_UNKNOWN_PROPERTIES alone
 * would pass anything: the introspector below turns every any-setter and every ignoreUnknown off.
 */
final class StrictModel {

    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/DaemonSet", DaemonSet.class),
            Map.entry("apiextensions.k8s.io/v1/CustomResourceDefinition", CustomResourceDefinition.class),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", ClusterRole.class),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", ClusterRoleBinding.class),
            Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
            Map.entry("monitoring.coreos.com/v1/PodMonitor", PodMonitor.class),
            Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class));

    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY, true)
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                private static final long serialVersionUID = 1L;

                @Override
                public Boolean hasAnySetter(Annotated a) {
                    return Boolean.FALSE;
                }

                @Override
                public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated a) {
                    JsonIgnoreProperties.Value v = super.findPropertyIgnoralByName(config, a);
                    return v == null ? null : v.withoutIgnoreUnknown();
                }
            });

    private StrictModel() {
    }

    /**
     * A VipPool has no model class: its metadata parses strictly, and its spec as the controller parses it
     * ({@link VipPoolSpec}: unknown fields and values that do not parse are refused, naming the field).
     */
    @SuppressWarnings("unchecked")
    private static HasMetadata vipPool(ObjectNode o) {
        String name = o.path("metadata").path("name").asText();
        for (var it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("apiVersion", "kind", "metadata", "spec").contains(f)) {
                throw new AssertionError("VipPool " + name + ": unknown field " + f);
            }
        }
        try {
            VipPoolSpec.parse(name, MAPPER.treeToValue(o.path("spec"), Map.class));
            GenericKubernetesResource r = new GenericKubernetesResource();
            r.setApiVersion(o.path("apiVersion").asText());
            r.setKind("VipPool");
            r.setMetadata(MAPPER.treeToValue(o.path("metadata"), ObjectMeta.class));
            return r;
        } catch (Exception e) {
            throw new AssertionError("VipPool " + name + " does not parse: " + e.getMessage(), e);
        }
    }

    /** The typed object; throws naming the object and the unknown or mistyped field. */
    static HasMetadata parse(ObjectNode o) {
        String key = o.path("apiVersion").asText() + "/" + o.path("kind").asText();
        if (key.equals("vipkeeper.io/v1alpha1/VipPool")) {
            return vipPool(o);
        }
        Class<? extends HasMetadata> type = KINDS.get(key);
        if (type == null) {
            throw new AssertionError("no model class for " + key + " (" + o.path("metadata").path("name").asText() + ")");
        }
        try {
            return MAPPER.treeToValue(o, type);
        } catch (Exception e) {
            throw new AssertionError(key + " " + o.path("metadata").path("name").asText() + " does not parse strictly: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }
}
