// Step 1: the smallest web application: every request gets the same "under construction" page.
// Run: scripts/devserve run servlets/blog/01-hello.csx
Response Start(Request request) =>
    Response.Xexpr(
        Html(Head(Title("My Blog")),
             Body(H1("Under construction"))),
        "<!DOCTYPE html>");
