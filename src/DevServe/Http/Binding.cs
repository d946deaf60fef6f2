namespace DevServe;

/// <summary>One form or query binding: a name and its value, and the uploaded file when the part carried one.</summary>
/// <param name="Name">The field name.</param>
/// <param name="Value">The field value; for an uploaded file, its file name.</param>
/// <param name="File">The uploaded file, or <c>null</c> for an ordinary field.</param>
/// <remarks>Racket: <c>binding:form</c> and <c>binding:file</c> in http/request-structs.rkt.</remarks>
public sealed record Binding(string Name, string Value, UploadedFile? File = null);
