package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Custom resources against their CRD's schema, in kube-apiserver's words; CRDs themselves. */
class SchemaValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static final String SCHEMA = "{'type':'object','required':['spec'],'properties':{'spec':{'type':'object','required':['addresses'],"
            + "'properties':{'addresses':{'type':'array','minItems':1,'maxItems':2,'items':{'type':'string','pattern':'^[0-9./]+$'}},"
            + "'mode':{'type':'string','enum':['NAT','DR']},'priority':{'type':'integer','minimum':0,'maximum':100},"
            + "'name':{'type':'string','maxLength':5,'minLength':1},'port':{'x-kubernetes-int-or-string':true},"
            + "'extra':{'type':'object','x-kubernetes-preserve-unknown-fields':true},"
            + "'labels':{'type':'object','additionalProperties':{'type':'string'}}}}}}";

    private static SchemaValidator.Result check(String object) throws Exception {
        return SchemaValidator.check(json(SCHEMA), (ObjectNode) json(object));
    }

    @Test
    void aValidObjectPasses() throws Exception {
        SchemaValidator.Result r = check("{'apiVersion':'x/v1','kind':'P','metadata':{'name':'a'},'spec':{'addresses':['192.0.2.0/28'],"
                + "'mode':'NAT','priority':0,'name':'abc','port':'http','extra':{'anything':{'goes':1}},'labels':{'a':'b'}}}");
        assertThat(r.errors()).isEmpty();
        assertThat(r.unknownFields()).isEmpty();
    }

    @Test
    void everyViolationIsReportedInKubeApiserversWords() throws Exception {
        SchemaValidator.Result r = check("{'spec':{'addresses':['192.0.2.0/28; rm','x','y'],'mode':'BGP','priority':101,"
                + "'name':'toolong','port':1.5,'labels':{'a':1}}}");
        assertThat(r.errors()).containsExactlyInAnyOrder(
                "spec.addresses: Too many: 3: must have at most 2 items",
                "spec.addresses[0]: Invalid value: \"192.0.2.0/28; rm\": spec.addresses[0] in body should match '^[0-9./]+$'",
                "spec.addresses[1]: Invalid value: \"x\": spec.addresses[1] in body should match '^[0-9./]+$'",
                "spec.addresses[2]: Invalid value: \"y\": spec.addresses[2] in body should match '^[0-9./]+$'",
                "spec.mode: Unsupported value: \"BGP\": supported values: \"NAT\", \"DR\"",
                "spec.priority: Invalid value: 101: spec.priority in body should be less than or equal to 100",
                "spec.name: Too long: may not be longer than 5",
                "spec.port: Invalid value: \"number\": spec.port in body must be of type integer or string: \"number\"",
                "spec.labels.a: Invalid value: \"integer\": spec.labels.a in body must be of type string: \"integer\"");
    }

    @Test
    void requiredFieldsAndTypes() throws Exception {
        assertThat(check("{'metadata':{'name':'a'}}").errors()).containsExactly("spec: Required value");
        assertThat(check("{'spec':{'addresses':'192.0.2.1'}}").errors())
                .containsExactly("spec.addresses: Invalid value: \"string\": spec.addresses in body must be of type array: \"string\"");
        assertThat(check("{'spec':{'addresses':[]}}").errors())
                .containsExactly("spec.addresses: Invalid value: 0: spec.addresses in body should have at least 1 items");
    }

    @Test
    void undeclaredFieldsArePrunedAndReported() throws Exception {
        ObjectNode object = (ObjectNode) json("{'spec':{'addresses':['192.0.2.1'],'color':'blue'},'other':1}");
        SchemaValidator.Result r = SchemaValidator.check(json(SCHEMA), object);
        assertThat(r.errors()).isEmpty();
        assertThat(r.unknownFields()).containsExactlyInAnyOrder("spec.color", "other");
        assertThat(object).isEqualTo(json("{'spec':{'addresses':['192.0.2.1']}}"));
    }

    @Test
    void aCrdThatDoesNotParseIsRefusedWithTheReasons() throws Exception {
        Discovery discovery = new Discovery(new CustomResources());
        JsonNode bad = json("{'metadata':{'name':'pools.example'},'spec':{'group':'example','scope':'Global',"
                + "'names':{'plural':'Pools','kind':'pool'},'versions':[{'name':'1','served':true,'storage':false,"
                + "'schema':{'openAPIV3Schema':{'type':'string'}},'additionalPrinterColumns':[{'name':'X','jsonPath':'spec.x'}]}]}}");
        List<String> problems = CustomResources.problems(bad, discovery);
        assertThat(String.join("\n", problems)).contains("spec.group: Invalid value: \"example\"", "spec.names.plural: Invalid value: \"Pools\"",
                "spec.names.kind: Invalid value: \"pool\"", "metadata.name: Invalid value: \"pools.example\"", "spec.scope: Unsupported value: \"Global\"",
                "spec.versions[0].name: Invalid value: \"1\"", "spec.versions[0].schema.openAPIV3Schema.type: Required value",
                "spec.versions[0].additionalPrinterColumns[0].jsonPath: Invalid value: \"spec.x\"",
                "must have exactly one version marked as storage version");
        JsonNode services = json("{'metadata':{'name':'services.example.io'},'spec':{'group':'example.io','scope':'Namespaced',"
                + "'names':{'plural':'services','kind':'Service'},'versions':[{'name':'v1','served':true,'storage':true,"
                + "'schema':{'openAPIV3Schema':{'type':'object'}}}]}}");
        assertThat(CustomResources.problems(services, discovery)).isEmpty();
    }

    @Test
    void printerColumnPathsReadFieldsAndIndexes() throws Exception {
        JsonNode o = json("{'status':{'conditions':[{'type':'Ready','status':'True'}]}}");
        assertThat(CustomResources.at(o, CustomResources.parsePath(".status.conditions[0].status")).asText()).isEqualTo("True");
        assertThat(CustomResources.at(o, CustomResources.parsePath("{.status.conditions[1].status}")).isMissingNode()).isTrue();
    }
}
