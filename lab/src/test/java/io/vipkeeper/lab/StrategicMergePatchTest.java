package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The strategic merge patch subset kubectl apply, edit and patch need for built-in kinds. */
class StrategicMergePatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // maps merge, null deletes, plain lists replace (as RFC 7386)
        "{'metadata':{'labels':{'a':'1','b':'2'}}} | {'metadata':{'labels':{'a':null,'c':'3'}}} | {'metadata':{'labels':{'b':'2','c':'3'}}}",
        "{'spec':{'args':['a','b']}}              | {'spec':{'args':['c']}}                  | {'spec':{'args':['c']}}",
        // containers merge by name: a changed field, an added env by name, a new container last
        "{'spec':{'containers':[{'name':'a','image':'a:1','env':[{'name':'X','value':'1'}]},{'name':'b','image':'b:1'}]}}"
            + " | {'spec':{'containers':[{'name':'a','image':'a:2','env':[{'name':'Y','value':'2'}]},{'name':'c','image':'c:1'}]}}"
            + " | {'spec':{'containers':[{'name':'a','image':'a:2','env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}]},"
            + "{'name':'b','image':'b:1'},{'name':'c','image':'c:1'}]}}",
        // $patch: delete removes by key; $setElementOrder is a hint
        "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}} | {'$setElementOrder/containers':[{'name':'a'}],"
            + "'spec':{'containers':[{'name':'b','$patch':'delete'}]}} | {'spec':{'containers':[{'name':'a'}]}}",
        // container ports by containerPort, Service ports by port
        "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http'}]}]}}"
            + " | {'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'protocol':'TCP'},{'containerPort':443}]}]}}"
            + " | {'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http','protocol':'TCP'},{'containerPort':443}]}]}}",
        // finalizers merge as a set; $deleteFromPrimitiveList removes
        "{'metadata':{'finalizers':['a','b']}} | {'metadata':{'finalizers':['c','a']}} | {'metadata':{'finalizers':['a','b','c']}}",
        "{'metadata':{'finalizers':['a','b']}} | {'metadata':{'$deleteFromPrimitiveList/finalizers':['a']}} | {'metadata':{'finalizers':['b']}}",
        // EndpointSlice ports and endpoints replace
        "{'ports':[{'port':80}],'endpoints':[{'addresses':['192.0.2.1']}]} | {'ports':[{'port':81}],'endpoints':[]} | {'ports':[{'port':81}],'endpoints':[]}",
    })
    void mergesAsKubeApiserverDoesForBuiltInKinds(String original, String patch, String expected) throws Exception {
        assertThat(StrategicMergePatch.apply(json(original), json(patch), false)).isEqualTo(json(expected));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{'spec':{'ports':[{'port':80,'name':'http','targetPort':8080}]}} | {'spec':{'ports':[{'port':80,'targetPort':9090},{'port':443}]}}"
            + " | {'spec':{'ports':[{'port':80,'name':'http','targetPort':9090},{'port':443}]}}",
        "{'spec':{'ports':[{'port':80},{'port':443}]}} | {'spec':{'ports':[{'port':443,'$patch':'delete'}]}} | {'spec':{'ports':[{'port':80}]}}",
    })
    void servicePortsMergeByPort(String original, String patch, String expected) throws Exception {
        assertThat(StrategicMergePatch.apply(json(original), json(patch), true)).isEqualTo(json(expected));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{'spec':{'$retainKeys':['type'],'type':'x'}}",
        "{'spec':{'$patch':'replace','a':1}}",
        "{'spec':{'args':[{'$patch':'delete'}]}}",
    })
    void directivesItDoesNotImplementAreRefusedClearly(String patch) {
        assertThatThrownBy(() -> StrategicMergePatch.apply(json("{'spec':{}}"), json(patch), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not implement");
    }
}
