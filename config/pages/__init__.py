"""What every app's pages share: who may open a page (`access`), plotly.js served locally
(`assets`), a service's refusal shown on a form (`errors`), charts left out when empty
(`figures`), and `urls.py`, which composes the `pages` URL namespace from each app's
`<app>/pages/urls.py`. Each page validates, calls one service or selector, and renders."""
