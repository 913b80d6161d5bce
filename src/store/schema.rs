//! Diesel table definitions, shared by the SQLite and PostgreSQL migrations.

diesel::table! {
    register_head (id) {
        id -> Integer,
        last_seq -> BigInt,
        last_unit_id -> BigInt,
        last_event_id -> BigInt,
    }
}

diesel::table! {
    units (id) {
        id -> BigInt,
        kind -> Text,
        prn -> Double,
        created_seq -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    source_records (id) {
        id -> BigInt,
        unit_id -> BigInt,
        source -> Text,
        source_key -> Nullable<Text>,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        recorded_at -> Timestamp,
        superseded_at -> Nullable<Timestamp>,
        seq -> BigInt,
        origin_kind -> Text,
        origin_ref -> Nullable<Text>,
        name -> Nullable<Text>,
        legal_form -> Nullable<Text>,
        tin -> Nullable<Text>,
        reg_number -> Nullable<Text>,
        activity_code -> Nullable<Text>,
        institutional_sector -> Nullable<Text>,
        address -> Nullable<Text>,
        region -> Nullable<Text>,
        status -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        death_date -> Nullable<Date>,
        employees -> Nullable<BigInt>,
        turnover -> Nullable<BigInt>,
        turnover_year -> Nullable<Integer>,
        tax_status -> Nullable<Text>,
        vat_registered -> Nullable<Bool>,
        extra -> Nullable<Text>,
    }
}

diesel::table! {
    unit_links (id) {
        id -> BigInt,
        kind -> Text,
        from_unit -> BigInt,
        to_unit -> BigInt,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        recorded_at -> Timestamp,
        superseded_at -> Nullable<Timestamp>,
        seq -> BigInt,
        origin_kind -> Text,
        origin_ref -> Nullable<Text>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        kind -> Text,
        event_date -> Date,
        recorded_at -> Timestamp,
        seq -> BigInt,
        origin_kind -> Text,
        origin_ref -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    event_units (event_id, unit_id, role) {
        event_id -> BigInt,
        unit_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    change_log (seq) {
        seq -> BigInt,
        unit_id -> BigInt,
        kind -> Text,
        changed_fields -> Text,
        recorded_at -> Timestamp,
        origin_kind -> Text,
        origin_ref -> Nullable<Text>,
        source -> Nullable<Text>,
    }
}

diesel::table! {
    classifications (scheme, code) {
        scheme -> Text,
        code -> Text,
        level -> Integer,
        parent -> Nullable<Text>,
        title -> Text,
    }
}

diesel::table! {
    legal_forms (code) {
        code -> Text,
        name_tk -> Text,
        name_ru -> Text,
        abbreviations -> Text,
        kind -> Text,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        name_tk -> Text,
        name_ru -> Text,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        role -> Text,
        agency -> Nullable<Text>,
        label -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        exact_figures -> Bool,
    }
}

diesel::table! {
    loads (id) {
        id -> BigInt,
        source -> Text,
        file_name -> Nullable<Text>,
        dry_run -> Bool,
        effective_date -> Date,
        encoding -> Nullable<Text>,
        status -> Text,
        requested_by -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        report -> Nullable<Text>,
        error -> Nullable<Text>,
        attempts -> Integer,
    }
}

diesel::table! {
    load_rows (load_id, line) {
        load_id -> BigInt,
        line -> BigInt,
        source_key -> Nullable<Text>,
        unit_id -> Nullable<BigInt>,
        method -> Text,
        score -> Nullable<Double>,
        review_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    load_rejections (load_id, line) {
        load_id -> BigInt,
        line -> BigInt,
        column_name -> Nullable<Text>,
        reason -> Text,
    }
}

diesel::table! {
    review_items (id) {
        id -> BigInt,
        load_id -> Nullable<BigInt>,
        submission_id -> Nullable<BigInt>,
        line -> BigInt,
        source -> Text,
        source_key -> Nullable<Text>,
        fingerprint -> Text,
        reason -> Text,
        statement -> Text,
        candidates -> Text,
        status -> Text,
        unit_id -> Nullable<BigInt>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    submissions (id) {
        id -> BigInt,
        scope -> Text,
        idempotency_key -> Text,
        body_hash -> Text,
        http_status -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        role -> Text,
        agency -> Nullable<Text>,
        action -> Text,
        subject -> Text,
        request_hash -> Text,
        first_seq -> Nullable<BigInt>,
        last_seq -> Nullable<BigInt>,
        outcome -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_id -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    frames (id) {
        id -> BigInt,
        name -> Text,
        reference_date -> Date,
        filters -> Text,
        include_dead -> Bool,
        frozen_at -> Timestamp,
        frozen_by -> Text,
        register_version -> BigInt,
        unit_count -> BigInt,
        checksum -> Text,
    }
}

diesel::table! {
    frame_units (frame_id, position) {
        frame_id -> BigInt,
        position -> BigInt,
        rows -> Text,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> BigInt,
        session_hash -> Text,
        token_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(web_sessions -> api_tokens (token_id));
diesel::joinable!(source_records -> units (unit_id));
diesel::joinable!(change_log -> units (unit_id));
diesel::joinable!(event_units -> events (event_id));
diesel::joinable!(event_units -> units (unit_id));

diesel::allow_tables_to_appear_in_same_query!(
    register_head,
    units,
    source_records,
    unit_links,
    events,
    event_units,
    change_log,
    classifications,
    legal_forms,
    regions,
    api_tokens,
    loads,
    load_rows,
    load_rejections,
    review_items,
    submissions,
    audit_log,
    audit_head,
    frames,
    frame_units,
    web_sessions,
);
