// The smallest servlet: every request gets the same page.
Response Start(Request request) =>
    Response.Html("<h1>Hello from DevServe</h1>");
