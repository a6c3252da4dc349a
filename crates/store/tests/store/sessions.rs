use crate::fixtures::org;
use crate::harness::each_backend;
use domain::Role;
use store::{Actor, StoreError};
use time::{Duration, OffsetDateTime};

fn close(a: OffsetDateTime, b: OffsetDateTime) -> bool {
    (a - b).abs() < Duration::milliseconds(1)
}

#[tokio::test]
async fn a_session_is_found_by_its_secret_touched_switched_and_ended() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let a = org(s, "SESSA").await;
        let b = org(s, "SESSB").await;
        let (secret, created) = s
            .create_session(a.user.id, Some(a.provider.id), "oidc")
            .await
            .unwrap();
        assert_ne!(
            created.id, secret,
            "[{name}] only a hash of the secret is stored"
        );
        assert_eq!(
            db.count(&format!("sessions WHERE id = '{secret}'")).await,
            0
        );

        let found = s
            .session_by_secret(&secret)
            .await
            .unwrap()
            .expect("session");
        assert_eq!(found.id, created.id);
        assert_eq!(found.user_id, a.user.id);
        assert_eq!(found.provider_id, Some(a.provider.id));
        assert_eq!(found.csrf_token, created.csrf_token);
        assert_eq!(found.auth_method, "oidc");
        assert!(close(found.created_at, created.created_at), "[{name}]");
        assert_eq!(found.ended_at, None);
        for wrong in ["", "not-a-secret", &created.id, &secret[1..]] {
            assert!(
                s.session_by_secret(wrong).await.unwrap().is_none(),
                "[{name}] {wrong:?} is no session's secret"
            );
        }

        let later = created.last_seen_at + Duration::minutes(5);
        s.touch_session(&created.id, later).await.unwrap();
        let touched = s.session(&created.id).await.unwrap().unwrap();
        assert!(close(touched.last_seen_at, later), "[{name}] touched");
        assert!(
            close(touched.created_at, created.created_at),
            "[{name}] created unchanged"
        );

        s.set_session_provider(&created.id, b.provider.id)
            .await
            .unwrap();
        let switched = s.session_by_secret(&secret).await.unwrap().unwrap();
        assert_eq!(
            switched.provider_id,
            Some(b.provider.id),
            "[{name}] switched"
        );

        s.end_session(&created.id).await.unwrap();
        let ended = s.session_by_secret(&secret).await.unwrap().unwrap();
        let ended_at = ended.ended_at.expect("ended");
        assert!(ended_at >= created.created_at, "[{name}]");

        // An ended session stays ended: touching, switching and ending again change nothing.
        s.touch_session(&created.id, later + Duration::hours(1))
            .await
            .unwrap();
        assert!(matches!(
            s.set_session_provider(&created.id, a.provider.id).await,
            Err(StoreError::NotFound)
        ));
        s.end_session(&created.id).await.unwrap();
        let after = s.session(&created.id).await.unwrap().unwrap();
        assert!(
            close(after.last_seen_at, later),
            "[{name}] not touched after ending"
        );
        assert_eq!(after.provider_id, Some(b.provider.id), "[{name}]");
        assert_eq!(after.ended_at, Some(ended_at), "[{name}] first end kept");

        // Another session for the same user is separate.
        let (other_secret, other) = s.create_session(a.user.id, None, "password").await.unwrap();
        assert_ne!(other_secret, secret);
        assert_ne!(other.id, created.id);
        let other = s.session_by_secret(&other_secret).await.unwrap().unwrap();
        assert_eq!(
            (other.provider_id, other.ended_at),
            (None, None),
            "[{name}]"
        );
        assert!(matches!(
            s.set_session_provider("no-such-session", a.provider.id)
                .await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn api_tokens_act_as_a_user_with_current_roles_or_as_a_system() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let a = org(s, "TOKA").await;
        let b = org(s, "TOKB").await;
        let admin = Actor::system("token admin");

        // A user's token: the user's roles for the token's provider, as they are now.
        let user_secret = s
            .create_api_token(
                &admin,
                a.provider.id,
                Some(a.user.id),
                "laptop",
                &[Role::Reader],
            )
            .await
            .unwrap();
        assert!(user_secret.starts_with("scr_"), "[{name}]");
        let p = s
            .api_principal(&user_secret)
            .await
            .unwrap()
            .expect("principal");
        assert_eq!(p.provider_id, a.provider.id);
        assert_eq!(p.user_id, Some(a.user.id));
        assert_eq!(p.name, a.user.name, "[{name}] named after the user");
        assert_eq!(
            p.roles,
            vec![Role::Clinical],
            "[{name}] the user's roles, not the token's"
        );

        s.grant_role(&admin, a.user.id, a.provider.id, Role::Administrative)
            .await
            .unwrap();
        s.grant_role(&admin, a.user.id, b.provider.id, Role::Reader)
            .await
            .unwrap();
        let mut roles = s.api_principal(&user_secret).await.unwrap().unwrap().roles;
        roles.sort();
        assert_eq!(
            roles,
            vec![Role::Clinical, Role::Administrative],
            "[{name}] a new role counts at once; roles elsewhere do not"
        );

        // A system's token: the fixed roles it was given.
        let system_secret = s
            .create_api_token(
                &admin,
                b.provider.id,
                None,
                "PACS bridge",
                &[Role::Reader, Role::Clinical],
            )
            .await
            .unwrap();
        let p = s
            .api_principal(&system_secret)
            .await
            .unwrap()
            .expect("principal");
        assert_eq!(p.provider_id, b.provider.id);
        assert_eq!(p.user_id, None);
        assert_eq!(p.name, "PACS bridge");
        assert_eq!(p.roles, vec![Role::Reader, Role::Clinical], "[{name}]");
        assert_ne!(system_secret, user_secret);

        // Unknown tokens act as no one; secrets are stored only as hashes.
        for unknown in [
            "",
            "scr_",
            "scr_nonsense",
            &user_secret[..user_secret.len() - 1],
        ] {
            assert!(
                s.api_principal(unknown).await.unwrap().is_none(),
                "[{name}] {unknown:?}"
            );
        }
        assert_eq!(db.count("api_tokens").await, 2);
        assert_eq!(
            db.count(&format!(
                "api_tokens WHERE token_hash IN ('{user_secret}', '{system_secret}')"
            ))
            .await,
            0,
            "[{name}] no secret stored as is"
        );
    })
    .await;
}
