@signed
Feature: Validly signed tokens with broken claims are refused
  A signature proves who made a token, not that its claims make sense. With
  the target's HS256 key (--signing-key; the embedded server's own key
  otherwise) the runner signs tokens whose claims or header are wrong, and
  every one of them must be refused with 401: never accepted, never a server
  error. Before the run the runner re-signs a valid token with the key and
  checks it is accepted, so a wrong key stops the run instead of passing it.

  @core
  Scenario: A valid token re-signed with the key is accepted
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: Bearer {access:signed as is}"
    Then the status must be 200
    And the body's "id" must match the access token's user_id

  @core
  Scenario Outline: An access token signed <kind> is refused by the user endpoint
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: Bearer {access:signed <kind>}"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"

    Examples:
      | kind                       |
      | without exp                |
      | with a passed exp          |
      | with a future nbf          |
      | without jti                |
      | without token_type         |
      | with a numeric token_type  |
      | without user_id            |
      | with the user_id of nobody |
      | with alg HS512             |

    # SimpleJWT itself gets the rows below wrong (see interop/README.md), so the
    # interop runs leave them out by tag; every other target must refuse them.
    # 4.8.0 and 5.5.1 answer 500 for a string exp or an object user_id, and accept
    # a float exp, a string nbf and a string or float iat.
    @simplejwt-fault
    Examples: SimpleJWT 4.8.0 and 5.5.1 get these wrong
      | kind                   |
      | with a string exp      |
      | with a float exp       |
      | with a string nbf      |
      | with a string iat      |
      | with a float iat       |
      | with an object user_id |

    # 4.8.0 (with PyJWT 2.3.0) accepts these; 5.5.1 refuses them.
    @simplejwt4-fault
    Examples: SimpleJWT 4.8.0 gets these wrong
      | kind                           |
      | with a null exp                |
      | with an object exp             |
      | with a null iat                |
      | with a numeric jti             |
      | with an unknown crit extension |

  @core
  Scenario Outline: A refresh token signed <kind> is refused by the refresh endpoint
    Given I have logged in
    When I send POST to the refresh endpoint with the JSON body {"refresh": "{refresh:signed <kind>}"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"

    Examples:
      | kind               |
      | without exp        |
      | with a future nbf  |
      | without token_type |
      | with alg HS512     |

    # SimpleJWT itself gets the rows below wrong (see interop/README.md), so the
    # interop runs leave them out by tag; every other target must refuse them.
    # 4.8.0 and 5.5.1 answer 500 for a string exp and for a refresh token
    # without jti, and accept a float exp and a string iat.
    @simplejwt-fault
    Examples: SimpleJWT 4.8.0 and 5.5.1 get these wrong
      | kind              |
      | with a string exp |
      | with a float exp  |
      | with a string iat |
      | without jti       |

    # 4.8.0 (with PyJWT 2.3.0) ignores crit; 5.5.1 refuses it.
    @simplejwt4-fault
    Examples: SimpleJWT 4.8.0 gets these wrong
      | kind                           |
      | with an unknown crit extension |

  @verify
  Scenario Outline: A token signed <kind> does not verify
    Given I have logged in
    When I send POST to the verify endpoint with the JSON body {"token": "{access:signed <kind>}"}
    Then the status must be 401

    Examples:
      | kind              |
      | without exp       |
      | with a future nbf |
      | with alg HS512    |

    # SimpleJWT itself gets the rows below wrong (see interop/README.md), so the
    # interop runs leave them out by tag; every other target must refuse them.
    # 4.8.0 and 5.5.1 answer 500 for a string exp.
    @simplejwt-fault
    Examples: SimpleJWT 4.8.0 and 5.5.1 get these wrong
      | kind              |
      | with a string exp |

    # 4.8.0 (with PyJWT 2.3.0) ignores crit; 5.5.1 refuses it.
    @simplejwt4-fault
    Examples: SimpleJWT 4.8.0 gets these wrong
      | kind                           |
      | with an unknown crit extension |
