// A notes page kept in SQLite, through a NuGet package: devserve restores it once (the first run takes a few
// seconds), then starts offline from its cache. Notes live in notes.db beside this script.
#r "nuget: Microsoft.Data.Sqlite, 10.0.15"

using Microsoft.Data.Sqlite;

static SqliteConnection Open()
{
    var connection = new SqliteConnection("Data Source=" + Path.Combine(CurrentDirectory, "notes.db"));
    connection.Open();
    using var create = connection.CreateCommand();
    create.CommandText = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)";
    create.ExecuteNonQuery();
    return connection;
}

Response Start(Request request)
{
    using var db = Open();
    if (request.Method == "POST" && request.Bindings["text"] is { Length: > 0 } text)
    {
        using var insert = db.CreateCommand();
        insert.CommandText = "INSERT INTO notes (text) VALUES ($text)";
        insert.Parameters.AddWithValue("$text", text);
        insert.ExecuteNonQuery();
        return Response.RedirectTo("/");   // POST → redirect → GET: a reload does not add the note twice
    }
    var list = new StringBuilder();
    using var select = db.CreateCommand();
    select.CommandText = "SELECT text FROM notes ORDER BY id";
    using (var reader = select.ExecuteReader())
    {
        while (reader.Read())
        {
            list.Append("<li>").Append(System.Net.WebUtility.HtmlEncode(reader.GetString(0))).Append("</li>");
        }
    }
    return Response.Html("<html><head><title>Notes</title></head><body><h1>Notes</h1>"
        + $"<ul>{list}</ul><form method=\"post\"><input name=\"text\" autofocus /> <input type=\"submit\" value=\"Add\" /></form>"
        + "<p>Kept in SQLite (Microsoft.Data.Sqlite from NuGet).</p></body></html>");
}
