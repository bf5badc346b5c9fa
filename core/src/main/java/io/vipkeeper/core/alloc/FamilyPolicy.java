package io.vipkeeper.core.alloc;

/** {@code spec.ipFamilyPolicy}: how many of the requested families a Service must get. */
public enum FamilyPolicy {
    SINGLE_STACK, PREFER_DUAL_STACK, REQUIRE_DUAL_STACK
}
