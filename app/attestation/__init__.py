"""Training bodies and their « certificat de réalisation » with the evidence a funder asks for."""
