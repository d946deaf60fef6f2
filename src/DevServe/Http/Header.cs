namespace DevServe;

/// <summary>One HTTP header field as it travels: a field name and its value.</summary>
/// <param name="Field">The field name; compare it case-insensitively.</param>
/// <param name="Value">The field value.</param>
/// <remarks>Racket: <c>header</c> in http/request-structs.rkt.</remarks>
public sealed record Header(string Field, string Value);
